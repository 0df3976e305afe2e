package httpx

import (
	"io"
	"net/http"

	"github.com/aienergy/aienergy/internal/redact"
)

// secretRoom is read past what is shown, so that a secret that starts
// before the cut is read whole and masked whole: no credential is that
// long, and a longer error body is not worth the memory.
const secretRoom = 4 << 10

// QuoteBody reads the start of an error answer and returns it as one line
// of at most n characters, for a message. The secrets red knows and the
// values of secret-named pairs ("Authorization: Bearer …") are masked
// before the text is cut, so that a cut never leaves a secret's first
// characters. It reads at most 4×n bytes (n characters of UTF-8) and
// 4 KiB more; a read error ends the text where it stopped. An empty body
// gives "".
func QuoteBody(body io.Reader, red *redact.Redactor, n int) string {
	data, _ := io.ReadAll(io.LimitReader(body, int64(4*max(n, 0)+secretRoom)))
	return red.Quote(string(data), n)
}

// RequestSecrets returns the secrets req carries, to build a Redactor
// for what its server answers: the value of every header named like a
// secret (Authorization, X-Auth-Token, X-Api-Key, Cookie …), the password
// inside Basic credentials, and the password of the URL. Call it after
// credentials are set on req.
func RequestSecrets(req *http.Request) []string {
	var secrets []string
	for name, values := range req.Header {
		if redact.IsSecretKey(name) {
			secrets = append(secrets, values...)
		}
	}
	if _, pass, ok := req.BasicAuth(); ok {
		secrets = append(secrets, pass)
	}
	if req.URL != nil {
		secrets = append(secrets, redact.URLSecrets(req.URL.String())...)
	}
	return secrets
}
