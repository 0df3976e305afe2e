package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// An apiError is a request vLLM would refuse, with the status it uses.
type apiError struct {
	status int
	param  string // request field at fault; "" for none
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func modelNotFound(model string) *apiError {
	return &apiError{
		status: http.StatusNotFound,
		param:  "model",
		msg:    fmt.Sprintf("The model `%s` does not exist.", model),
	}
}

// errorTypes maps statuses to the exception names vLLM reports as "type".
var errorTypes = map[int]string{
	http.StatusBadRequest: "BadRequestError",
	http.StatusNotFound:   "NotFoundError",
}

// writeError sends err in vLLM's OpenAI-style error shape.
func writeError(w http.ResponseWriter, err *apiError) {
	body := errorBody{Error: errorDetail{
		Message: err.msg,
		Type:    errorTypes[err.status],
		Code:    err.status,
	}}
	if err.param != "" {
		body.Error.Param = &err.param
	}
	writeJSON(w, err.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the package's own response types get here; they always marshal.
		http.Error(w, "sim: encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
