package cli

import "context"

// ownProcessKey marks a context whose aienergy runs as a program of its
// own (Main), not inside another one (Execute, as the tests call it):
// only then may a command act on the process as a whole.
type ownProcessKey struct{}

func withOwnProcess(ctx context.Context) context.Context {
	return context.WithValue(ctx, ownProcessKey{}, true)
}

func ownProcess(ctx context.Context) bool {
	own, _ := ctx.Value(ownProcessKey{}).(bool)
	return own
}
