package sink

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// artifactBase turns a run's artifact_uri into the URL files are PUT
// under. A server that proxies artifacts (mlflow server's default since
// 2.0) gives "mlflow-artifacts:/<experiment>/<run>/artifacts", served at
// <tracking url>/api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts.
// Other stores (s3:, file:, …) are written by the client itself, which
// aienergy does not do.
func (s *MLflow) artifactBase(artifactURI string) (string, error) {
	u, err := url.Parse(artifactURI)
	switch {
	case err != nil:
		return "", fmt.Errorf("artifact_uri %q: %w", artifactURI, err)
	case u.Scheme == "mlflow-artifacts":
		base := s.url
		if u.Host != "" { // mlflow-artifacts://host:port/path names another server
			base = "http://" + u.Host
		}
		return base + "/api/2.0/mlflow-artifacts/artifacts/" + strings.TrimLeft(u.Path, "/"), nil
	case u.Scheme == "http" || u.Scheme == "https":
		return strings.TrimRight(artifactURI, "/"), nil
	}
	return "", fmt.Errorf("the run's artifact store is %q, which the tracking server does not proxy, so the run directory cannot be uploaded (start the server with --serve-artifacts, or set artifacts: false)", artifactURI)
}

// uploadDir PUTs every regular file of the run directory under
// <prefix>/ in the run's artifacts.
func (s *MLflow) uploadDir(ctx context.Context, dir, artifactURI, prefix string) error {
	base, err := s.artifactBase(artifactURI)
	if err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil // directories are walked; links and devices are not data
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		segs := []string{url.PathEscape(prefix)}
		for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
			segs = append(segs, url.PathEscape(seg))
		}
		if err := s.upload(ctx, p, base+"/"+path.Join(segs...)); err != nil {
			return fmt.Errorf("uploading artifact %s: %w", rel, err)
		}
		return nil
	})
}

func (s *MLflow) upload(ctx context.Context, file, target string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	ctype := mime.TypeByExtension(filepath.Ext(file))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	_, err = s.c.doReader(ctx, http.MethodPut, target, ctype, f, fi.Size())
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound {
		return fmt.Errorf("the server does not serve artifacts (start it with --serve-artifacts, or set artifacts: false): %w", err)
	}
	return mlflowError(err)
}
