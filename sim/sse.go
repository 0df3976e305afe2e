package sim

import (
	"encoding/json"
	"net/http"
)

// sseWriter writes a server-sent event stream the way vLLM does: one
// "data: {json}\n\n" event per chunk, flushed at once, "data: [DONE]" last.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf []byte
}

// startSSE sends the response headers right away, as vLLM's streaming
// response does before the request even reaches the engine.
func startSSE(w http.ResponseWriter) (*sseWriter, error) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	sw := &sseWriter{w: w, rc: http.NewResponseController(w)}
	return sw, sw.rc.Flush()
}

func (sw *sseWriter) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return sw.sendRaw(b)
}

func (sw *sseWriter) sendRaw(data []byte) error {
	sw.buf = append(sw.buf[:0], "data: "...)
	sw.buf = append(sw.buf, data...)
	sw.buf = append(sw.buf, "\n\n"...)
	if _, err := sw.w.Write(sw.buf); err != nil {
		return err
	}
	return sw.rc.Flush()
}

func (sw *sseWriter) done() error { return sw.sendRaw([]byte("[DONE]")) }
