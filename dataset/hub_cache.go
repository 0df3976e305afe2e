package dataset

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// cacheSubdir holds aienergy's files inside a dataset's huggingface_hub
// cache folder; huggingface_hub's own files live beside it, untouched.
const cacheSubdir = "aienergy-parquet"

// datasetCacheDir is {cache}/datasets--{owner}--{name}/aienergy-parquet,
// the dataset folder named as huggingface_hub names it.
func datasetCacheDir(cache, repo string) string {
	return filepath.Join(cache, "datasets--"+strings.ReplaceAll(repo, "/", "--"), cacheSubdir)
}

func listingPath(dir string) string { return filepath.Join(dir, "listing.json") }

// shardPath is {dir}/{config}/{split}/{nnnn}.parquet. Config and split
// names come from the Hub; pathSafe keeps them inside dir.
func shardPath(dir, config, split string, i int) string {
	return filepath.Join(dir, pathSafe(config), pathSafe(split), fmt.Sprintf("%04d.parquet", i))
}

// pathSafe makes a Hub name usable as one path element.
func pathSafe(s string) string {
	s = strings.NewReplacer("/", "%2F", `\`, "%5C").Replace(s)
	if s == "" || s == "." || s == ".." {
		return "%" + s
	}
	return s
}

// writeAtomic writes r to path through a temporary file in the same
// folder, renamed into place only when complete and synced, so readers
// never see a partial file. check, when set, vets the temporary file
// and its size before the rename.
func writeAtomic(path string, r io.Reader, check func(tmp string, n int64) error) (int64, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("cache folder: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("cache folder: %w", err)
	}
	tmp := f.Name()
	n, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && check != nil {
		err = check(tmp, n)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return n, err
	}
	return n, nil
}

// checkParquetMagic rejects a file that does not start and end with
// "PAR1", such as an HTML error page a proxy served with status 200.
func checkParquetMagic(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	head, tail := make([]byte, 4), make([]byte, 4)
	if st.Size() >= 12 {
		_, err = f.ReadAt(head, 0)
		if err == nil {
			_, err = f.ReadAt(tail, st.Size()-4)
		}
	}
	if st.Size() < 12 || err != nil || string(head) != "PAR1" || string(tail) != "PAR1" {
		return fmt.Errorf("the downloaded file is not Parquet (%d bytes)", st.Size())
	}
	return nil
}
