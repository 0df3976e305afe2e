package kserve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aienergy/aienergy/backend"
)

// newOIPServerMeta is newOIPServer with metadata given inline.
func newOIPServerMeta(t *testing.T, metas ...string) *oipServer {
	s := &oipServer{t: t, models: map[string]kserveMetadata{}, raw: map[string][]byte{}}
	for _, raw := range metas {
		var m kserveMetadata
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		s.models[m.Name], s.raw[m.Name] = m, []byte(raw)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// imageMeta is the metadata of model m with one input x.
func imageMeta(datatype, shape string) string {
	return fmt.Sprintf(`{"name":"m","versions":["1"],"platform":"onnxruntime_onnx","inputs":[{"name":"x","datatype":%q,"shape":%s}],"outputs":[{"name":"y","datatype":"FP32","shape":[10]}]}`, datatype, shape)
}

func writeImage(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(name, ".png") {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100})
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func solid(w, h int, c color.Color) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	return img
}

// pattern is a 2×2 image: red, green / blue, (10, 20, 30).
func pattern() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	img.Set(1, 0, color.RGBA{0, 255, 0, 255})
	img.Set(0, 1, color.RGBA{0, 0, 255, 255})
	img.Set(1, 1, color.RGBA{10, 20, 30, 255})
	return img
}

// gray4 is a 4×4 gray image whose 2×2 blocks average to 25.25, 0.5,
// 101.5 and 254.5.
func gray4() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	copy(img.Pix, []uint8{
		10, 20, 0, 0,
		30, 41, 0, 2,
		100, 101, 255, 255,
		102, 103, 254, 254,
	})
	return img
}

// sent returns the data of input 0 of each inference request, in order.
func (s *oipServer) sent(t *testing.T) [][]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]any
	for _, r := range s.requests {
		out = append(out, r.Inputs[0].Data)
	}
	return out
}

// asFloats converts pixel values to what FP32 inputs carry: float32(v)/255.
func asFloats(pixels []float64) []float64 {
	out := make([]float64, len(pixels))
	for i, v := range pixels {
		out[i] = float64(float32(v) / 255)
	}
	return out
}

// toFloat32 reads decoded JSON numbers back as the float32 a server keeps.
func toFloat32(t *testing.T, data []any) []float64 {
	t.Helper()
	out := make([]float64, len(data))
	for i, v := range data {
		f, ok := v.(float64)
		if !ok {
			t.Fatalf("element %d is %v, not a number", i, v)
		}
		out[i] = float64(float32(f))
	}
	return out
}

func TestKServeImagesTensor(t *testing.T) {
	// Hand-computed: the pattern's planes are R [255 0 0 10], G [0 255 0
	// 20], B [0 0 255 30]; its gray is Go's luma (19595r + 38470g +
	// 7471b + 2^15) >> 16: 76, 150, 29, 18.
	chw := []float64{255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30}
	hwc := []float64{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}
	gray := []float64{76, 150, 29, 18}
	tests := []struct {
		name            string
		datatype, shape string // metadata
		image           image.Image
		file            string
		sentShape       []int64
		want            []float64 // pixel values; FP32 sends them /255
	}{
		{"NCHW UINT8", "UINT8", "[-1,3,2,2]", pattern(), "p.png", []int64{1, 3, 2, 2}, chw},
		{"NCHW FP32", "FP32", "[-1,3,2,2]", pattern(), "p.png", []int64{1, 3, 2, 2}, chw},
		{"NHWC UINT8", "UINT8", "[-1,2,2,3]", pattern(), "p.png", []int64{1, 2, 2, 3}, hwc},
		{"NHWC FP32", "FP32", "[-1,2,2,3]", pattern(), "p.png", []int64{1, 2, 2, 3}, hwc},
		{"CHW no batch", "FP32", "[3,2,2]", pattern(), "p.png", []int64{3, 2, 2}, chw},
		{"HWC no batch", "UINT8", "[2,2,3]", pattern(), "p.png", []int64{2, 2, 3}, hwc},
		{"gray NCHW", "UINT8", "[-1,1,2,2]", pattern(), "p.png", []int64{1, 1, 2, 2}, gray},
		{"gray NHWC", "FP32", "[-1,2,2,1]", pattern(), "p.png", []int64{1, 2, 2, 1}, gray},
		// Bilinear 4×4 → 2×2 with half-pixel centres samples each 2×2
		// block's centre: the blocks' means, rounded half away from 0.
		{"resize 4x4 to 2x2", "UINT8", "[-1,1,2,2]", gray4(), "g.png", []int64{1, 1, 2, 2}, []float64{25, 1, 102, 255}},
		{"resize 4x4 to 2x2, RGB", "FP32", "[-1,2,2,3]", gray4(), "g.png", []int64{1, 2, 2, 3},
			[]float64{25, 25, 25, 1, 1, 1, 102, 102, 102, 255, 255, 255}},
		// Transparency is dropped as if over black: half-transparent
		// white is 128 (premultiplied 0xffff × 0x80/0xff, top byte).
		{"alpha", "UINT8", "[-1,3,1,1]", solid(1, 1, color.NRGBA{255, 255, 255, 128}), "a.png", []int64{1, 3, 1, 1}, []float64{128, 128, 128}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeImage(t, dir, tt.file, tt.image)
			s := newOIPServerMeta(t, imageMeta(tt.datatype, tt.shape))
			c := newTestClient(t, s.srv.URL, Options{Images: dir})
			if err := c.Check(context.Background(), "m"); err != nil {
				t.Fatalf("Check: %v", err)
			}
			rec := c.Do(context.Background(), backend.Request{ID: 0, Model: "m"})
			if !rec.OK() || rec.Items != 1 {
				t.Fatalf("record: %s: %s, items %d", rec.ErrorClass, rec.Error, rec.Items)
			}
			req, _ := s.lastRequest(t)
			if !reflect.DeepEqual(req.Inputs[0].Shape, tt.sentShape) {
				t.Errorf("shape %v, want %v", req.Inputs[0].Shape, tt.sentShape)
			}
			want := tt.want
			if tt.datatype == "FP32" {
				want = asFloats(want)
			}
			if got := toFloat32(t, req.Inputs[0].Data); !reflect.DeepEqual(got, want) {
				t.Errorf("data\n got %v\nwant %v", got, want)
			}
		})
	}
}

// FP32 values are written in the fewest digits that read back to the
// float32: the text itself is checked here.
func TestKServeImagesFP32Text(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "p.png", pattern())
	s := newOIPServerMeta(t, imageMeta("FP32", "[-1,2,2,3]"))
	c := newTestClient(t, s.srv.URL, Options{Images: dir})
	if rec := c.Do(context.Background(), backend.Request{ID: 5, Model: "m"}); !rec.OK() {
		t.Fatalf("%s", rec.Error)
	}
	_, body := s.lastRequest(t)
	want := `"data":[1,0,0,0,1,0,0,0,1,0.039215688,0.078431375,0.11764706]}`
	if !bytes.Contains(body, []byte(want)) {
		t.Errorf("body %s\nlacks %s", body, want)
	}
}

// Request i's image b is image (i×batch + b) mod n, in file-name order.
func TestKServeImagesCycle(t *testing.T) {
	dir := t.TempDir()
	// Written out of order: file names, not creation, set the order.
	for _, f := range []struct {
		name  string
		value uint8
	}{{"c.png", 30}, {"a.PNG", 10}, {"b.jpeg", 20}} {
		writeImage(t, dir, f.name, solid(3, 2, color.Gray{f.value}))
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.png"), 0o755); err != nil { // a folder, skipped
		t.Fatal(err)
	}
	s := newOIPServerMeta(t, imageMeta("UINT8", "[-1,1,2,2]"))
	c := newTestClient(t, s.srv.URL, Options{Images: dir, BatchSize: 2})
	if err := c.Check(context.Background(), "m"); err != nil {
		t.Fatal(err)
	}
	for id := range 4 {
		if rec := c.Do(context.Background(), backend.Request{ID: id, Model: "m"}); !rec.OK() || rec.Items != 2 {
			t.Fatalf("request %d: %s, items %d", id, rec.Error, rec.Items)
		}
	}
	// Images 0 1 | 2 0 | 1 2 | 0 1 of a (10), b (20), c (30).
	want := [][]int{{10, 20}, {30, 10}, {20, 30}, {10, 20}}
	for i, data := range s.sent(t) {
		if len(data) != 8 {
			t.Fatalf("request %d: %d elements, want 2 images of 4", i, len(data))
		}
		for b := range 2 {
			for p := range 4 {
				// The JPEG is lossy: solid gray comes back within 1.
				if got := data[b*4+p].(float64); got < float64(want[i][b]-1) || got > float64(want[i][b]+1) {
					t.Errorf("request %d, image %d, pixel %d = %v, want %d", i, b, p, got, want[i][b])
				}
			}
		}
	}
}

// A JPEG photo-like image goes through the YCbCr decoder and a resize;
// values stay near the colour written.
func TestKServeImagesJPEG(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "photo.jpg", solid(64, 48, color.RGBA{200, 100, 50, 255}))
	s := newOIPServerMeta(t, imageMeta("UINT8", "[-1,3,8,8]"))
	c := newTestClient(t, s.srv.URL, Options{Images: dir})
	if rec := c.Do(context.Background(), backend.Request{ID: 1, Model: "m"}); !rec.OK() {
		t.Fatalf("%s", rec.Error)
	}
	req, _ := s.lastRequest(t)
	for i, v := range req.Inputs[0].Data {
		want := []float64{200, 100, 50}[i/64]
		if f := v.(float64); f < want-3 || f > want+3 {
			t.Fatalf("element %d = %v, want %v ± 3", i, f, want)
		}
	}
}

// Inputs that are not images keep synthetic data next to an image input.
func TestKServeImagesMixedInputs(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "p.png", pattern())
	meta := `{"name":"m","inputs":[{"name":"ids","datatype":"INT32","shape":[-1,4]},{"name":"img","datatype":"UINT8","shape":[-1,2,2,3]}],"outputs":[{"name":"y","datatype":"FP32","shape":[-1]}]}`
	s := newOIPServerMeta(t, meta)
	c := newTestClient(t, s.srv.URL, Options{Images: dir, BatchSize: 3})
	if rec := c.Do(context.Background(), backend.Request{ID: 1, Model: "m"}); !rec.OK() || rec.Items != 3 {
		t.Fatalf("%s", rec.Error)
	}
	req, _ := s.lastRequest(t)
	if len(req.Inputs[0].Data) != 12 {
		t.Errorf("ids: %d elements, want 12 synthetic", len(req.Inputs[0].Data))
	}
	var want []float64
	for range 3 {
		want = append(want, 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30)
	}
	if got := toFloat32(t, req.Inputs[1].Data); !reflect.DeepEqual(got, want) {
		t.Errorf("img\n got %v\nwant %v", got, want)
	}
}

func TestResizeBilinear(t *testing.T) {
	tests := []struct {
		name           string
		src            []uint8
		sw, sh, dw, dh int
		want           []uint8
	}{
		{"same size", []uint8{1, 2, 3, 4, 5, 6}, 3, 2, 3, 2, []uint8{1, 2, 3, 4, 5, 6}},
		// Output x at source (x+0.5)/2 - 0.5: -0.25 (clamped to 0),
		// 0.25, 0.75, 1.25 (past the last pixel).
		{"2 to 4", []uint8{0, 100}, 2, 1, 4, 1, []uint8{0, 25, 75, 100}},
		// Source 0.25 and 1.75: 0.75·0 + 0.25·100, 0.25·100 + 0.75·200.
		{"3 to 2", []uint8{0, 100, 200}, 3, 1, 2, 1, []uint8{25, 175}},
		{"columns too", []uint8{0, 100}, 1, 2, 1, 4, []uint8{0, 25, 75, 100}},
		{"one pixel up", []uint8{7}, 1, 1, 2, 3, []uint8{7, 7, 7, 7, 7, 7}},
	}
	for _, tt := range tests {
		if got := resizeBilinear(tt.src, tt.sw, tt.sh, tt.dw, tt.dh); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestImageInputSpec(t *testing.T) {
	tests := []struct {
		meta, shape []int64
		spec        imageSpec
		per         int64
		ok          bool
	}{
		{[]int64{-1, 3, 224, 224}, []int64{4, 3, 224, 224}, imageSpec{channelsFirst: true, c: 3, h: 224, w: 224}, 4, true},
		{[]int64{-1, 320, 240, 3}, []int64{2, 320, 240, 3}, imageSpec{c: 3, h: 320, w: 240}, 2, true},
		{[]int64{-1, 1, 28, 28}, []int64{1, 1, 28, 28}, imageSpec{channelsFirst: true, c: 1, h: 28, w: 28}, 1, true},
		{[]int64{3, 224, 224}, []int64{3, 224, 224}, imageSpec{channelsFirst: true, c: 3, h: 224, w: 224}, 1, true},
		{[]int64{64, 48, 1}, []int64{64, 48, 1}, imageSpec{c: 1, h: 64, w: 48}, 1, true},
		{nil, []int64{3, 8, 8}, imageSpec{channelsFirst: true, c: 3, h: 8, w: 8}, 1, true}, // shape from options
		{[]int64{-1, 224, 224}, []int64{1, 224, 224}, imageSpec{}, 0, false},               // batch of gray, no channel
		{[]int64{-1, 4, 224, 224}, []int64{1, 4, 224, 224}, imageSpec{}, 0, false},         // 4 channels
		{[]int64{-1, 16}, []int64{1, 16}, imageSpec{}, 0, false},
		{[]int64{-1, 2, 3, 4, 5}, []int64{1, 2, 3, 4, 5}, imageSpec{}, 0, false},
	}
	for _, tt := range tests {
		spec, per, ok := imageInputSpec(tt.meta, tt.shape)
		if spec != tt.spec || per != tt.per || ok != tt.ok {
			t.Errorf("%v %v: got %+v %d %v, want %+v %d %v", tt.meta, tt.shape, spec, per, ok, tt.spec, tt.per, tt.ok)
		}
	}
}

// truncatedPNG is a PNG whose header reads but whose pixels are cut off.
func truncatedPNG(t *testing.T, dir, name string) string {
	path := writeImage(t, dir, name, solid(32, 32, color.RGBA{1, 2, 3, 255}))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:40], 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKServeImagesOptionErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	bad := filepath.Join(dir, "bad")
	for _, d := range []string{empty, bad} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(empty, "readme.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeImage(t, bad, "a.png", pattern())
	if err := os.WriteFile(filepath.Join(bad, "b.jpg"), []byte("GIF89a not a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := writeImage(t, dir, "one.png", pattern())
	tests := []struct{ images, contains string }{
		{filepath.Join(dir, "nope"), `images folder "` + filepath.Join(dir, "nope") + `" does not exist`},
		{file, `images "` + file + `" is a file, not a folder`},
		{empty, `images folder "` + empty + `" has no .jpg, .jpeg or .png files; put the images to send there, or unset images`},
		{bad, "image " + filepath.Join(bad, "b.jpg") + " is not a readable JPEG or PNG (image: unknown format); replace or remove it"},
	}
	for _, tt := range tests {
		_, err := New(Options{BaseURL: "http://t", Images: tt.images})
		if err == nil || !strings.HasPrefix(err.Error(), "kserve backend: ") || !strings.Contains(err.Error(), tt.contains) {
			t.Errorf("%s:\n got %v\nwant %q", tt.images, err, tt.contains)
		}
	}
}

func TestKServeImagesCheckErrors(t *testing.T) {
	good := t.TempDir()
	writeImage(t, good, "p.png", pattern())
	cut := t.TempDir()
	writeImage(t, cut, "a.png", pattern())
	cutFile := truncatedPNG(t, cut, "b.png")
	tests := []struct {
		name, images, meta, contains string
	}{
		{"no image input", good, `{"name":"m","inputs":[{"name":"INPUT0","datatype":"INT32","shape":[-1,16]},{"name":"seq","datatype":"FP32","shape":[-1,224,224]}]}`,
			`images are set but model "m" has no image input (its inputs: "INPUT0" INT32 [1, 16], "seq" FP32 [1, 224, 224]): an image input has shape [N, C, H, W] or [N, H, W, C] with C 1 (gray) or 3 (RGB)`},
		{"four channels", good, imageMeta("UINT8", "[-1,4,8,8]"), `has no image input (its inputs: "x" UINT8 [1, 4, 8, 8])`},
		{"datatype", good, imageMeta("INT32", "[-1,3,8,8]"),
			`input "x" of model "m" has an image's shape [1, 3, 8, 8] but datatype INT32: images can fill UINT8 inputs (pixel values 0–255) or FP32 inputs (value/255)`},
		{"fp16", good, imageMeta("FP16", "[-1,3,8,8]"), "but datatype FP16: images can fill UINT8"},
		{"corrupt image", cut, imageMeta("UINT8", "[-1,3,8,8]"), "image " + cutFile + " cannot be decoded ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newOIPServerMeta(t, tt.meta)
			c := newTestClient(t, s.srv.URL, Options{Images: tt.images})
			err := c.Check(context.Background(), "m")
			if err == nil || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("Check:\n got %v\nwant %q", err, tt.contains)
			}
			rec := c.Do(context.Background(), backend.Request{Model: "m"})
			if rec.ErrorClass != backend.ErrorProtocol || !strings.Contains(rec.Error, tt.contains) {
				t.Errorf("Do: %s: %s", rec.ErrorClass, rec.Error)
			}
			if n := len(s.sent(t)); n != 0 {
				t.Errorf("%d inference requests sent, want none", n)
			}
		})
	}
}

// Beyond the budget, images are prepared as the run reaches them: a bad
// one fails the requests that need it, before anything is sent, and the
// others go on. Many requests at once prepare each image once.
func TestKServeImagesPreparedDuringRun(t *testing.T) {
	old := imagePrepareBudget
	imagePrepareBudget = 0
	t.Cleanup(func() { imagePrepareBudget = old })
	dir := t.TempDir()
	writeImage(t, dir, "a.png", solid(4, 4, color.Gray{10}))
	cutFile := truncatedPNG(t, dir, "b.png")
	writeImage(t, dir, "c.png", solid(4, 4, color.Gray{30}))
	s := newOIPServerMeta(t, imageMeta("UINT8", "[-1,1,2,2]"))
	c := newTestClient(t, s.srv.URL, Options{Images: dir})
	if err := c.Check(context.Background(), "m"); err != nil {
		t.Fatalf("Check prepares only the first request's image: %v", err)
	}
	set := c.imageSets[imageSpec{channelsFirst: true, c: 1, h: 2, w: 2, datatype: "UINT8"}]
	if set.items[0].data == nil || set.items[2].data != nil {
		t.Fatalf("after Check: prepared %v, %v; want only image 0", set.items[0].data != nil, set.items[2].data != nil)
	}
	var wg sync.WaitGroup
	recs := make([]backend.Record, 9)
	for i := range recs {
		wg.Go(func() { recs[i] = c.Do(context.Background(), backend.Request{ID: i, Model: "m"}) })
	}
	wg.Wait()
	for i, rec := range recs {
		if i%3 == 1 {
			want := "cannot prepare the request: image " + cutFile + " cannot be decoded"
			if rec.ErrorClass != backend.ErrorProtocol || !strings.Contains(rec.Error, want) {
				t.Errorf("request %d: %s: %q, want %q", i, rec.ErrorClass, rec.Error, want)
			}
			continue
		}
		if !rec.OK() {
			t.Errorf("request %d: %s", i, rec.Error)
		}
	}
	if n := len(s.sent(t)); n != 6 {
		t.Errorf("%d requests sent, want 6 (3 failed before sending)", n)
	}
	for _, data := range s.sent(t) {
		if v := data[0].(float64); v != 10 && v != 30 {
			t.Errorf("pixel %v, want 10 or 30", v)
		}
	}
}

// benchImages writes n photo-sized PNGs for the benchmarks.
func benchImages(b *testing.B, n int) string {
	dir := b.TempDir()
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 640, 480))
		for j := range img.Pix {
			img.Pix[j] = uint8(j*7 + i)
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d.jpg", i)), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkKServeImagesBody measures building one request body of eight
// 224×224 FP32 images from prepared images: the client's cost per
// request.
func BenchmarkKServeImagesBody(b *testing.B) {
	c, err := New(Options{BaseURL: "http://t", BatchSize: 8, Images: benchImages(b, 3)})
	if err != nil {
		b.Fatal(err)
	}
	var meta kserveMetadata
	if err := json.Unmarshal([]byte(imageMeta("FP32", "[-1,3,224,224]")), &meta); err != nil {
		b.Fatal(err)
	}
	p, err := c.buildPlan("m", &meta)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var size int
	for i := 0; b.Loop(); i++ {
		parts, err := p.body(backend.Request{ID: i})
		if err != nil {
			b.Fatal(err)
		}
		size = 0
		for _, part := range parts {
			size += len(part)
		}
	}
	b.SetBytes(int64(size))
}

// BenchmarkKServeImagePrepare measures the one-time work per image:
// decoding a 640×480 JPEG, resizing it to 224×224 and writing FP32 JSON.
func BenchmarkKServeImagePrepare(b *testing.B) {
	path := filepath.Join(benchImages(b, 1), "00.jpg")
	spec := imageSpec{channelsFirst: true, c: 3, h: 224, w: 224, datatype: "FP32"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := spec.prepare(path); err != nil {
			b.Fatal(err)
		}
	}
}
