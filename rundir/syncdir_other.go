//go:build !unix

package rundir

// syncDir: outside Unix a directory cannot be opened and synced; the
// file system orders the rename itself.
func syncDir(string) error { return nil }
