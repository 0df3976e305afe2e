// Package accuracy holds end-to-end accuracy tests: real meters read by
// the real sampler from real services whose true energy is known, their
// readings analysed as a run would be, and every figure held against the
// truth. It has no code of its own.
package accuracy
