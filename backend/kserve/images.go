package kserve

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // registers JPEG with image.Decode
	_ "image/png"  // registers PNG with image.Decode
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Images from a folder fill a model's image inputs (Options.Images).
// Each image is decoded, converted to RGB or gray, resized and encoded as
// JSON once, the first time it is needed, and the text is kept: a request
// body is then a list of references to it, so the client, which often runs
// on the machine being measured, does no image work per request. When the
// whole folder's text fits in imagePrepareBudget, every image is prepared
// while the plan is built (in Check, before the run); otherwise the rest
// are prepared as the run first reaches them.

// imagePrepareBudget bounds the JSON prepared before the run, in bytes;
// a variable so that tests can exercise preparation during the run.
var imagePrepareBudget int64 = 1 << 30

// maxImagePixels refuses images whose decoding would take gigabytes.
const maxImagePixels = 64 << 20

// listImages returns the folder's .jpg, .jpeg and .png files (any case)
// in file-name (byte) order, having checked that each header decodes.
// Other files and sub-folders are ignored.
func listImages(dir string) ([]string, error) {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("kserve backend: images folder %q does not exist; give the folder that holds the .jpg or .png images to send", dir)
	case err != nil:
		return nil, fmt.Errorf("kserve backend: cannot read the images folder: %v", err)
	case !info.IsDir():
		return nil, fmt.Errorf("kserve backend: images %q is a file, not a folder; give the folder that holds the images", dir)
	}
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("kserve backend: cannot read the images folder: %v", err)
	}
	var files []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".jpg", ".jpeg", ".png":
		default:
			continue
		}
		path := filepath.Join(dir, e.Name())
		info, err := os.Stat(path) // follows links
		if err != nil {
			return nil, fmt.Errorf("kserve backend: cannot read image %s: %v", path, err)
		}
		if !info.Mode().IsRegular() {
			continue
		}
		if err := checkImageHeader(path); err != nil {
			return nil, fmt.Errorf("kserve backend: %v", err)
		}
		files = append(files, path)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("kserve backend: images folder %q has no .jpg, .jpeg or .png files; put the images to send there, or unset images to send synthetic data", dir)
	}
	return files, nil
}

// checkImageHeader reads an image's header only, so that a wrong file is
// reported before the run without decoding every image twice.
func checkImageHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read image %s: %v", path, err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return fmt.Errorf("image %s is not a readable JPEG or PNG (%v); replace or remove it", path, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return fmt.Errorf("image %s is %d×%d pixels; images must have 1 to %d pixels, so shrink it", path, cfg.Width, cfg.Height, maxImagePixels)
	}
	return nil
}

// imageSpec is how an input holds one image.
type imageSpec struct {
	channelsFirst bool // CHW; otherwise HWC
	c, h, w       int  // c is 1 (gray) or 3 (RGB)
	datatype      string
}

// imageInputSpec recognizes an image input by its shape: [N, C, H, W] or
// [N, H, W, C] with C 1 or 3, or, for a model without a batch dimension
// (metadata shape not starting with -1), [C, H, W] or [H, W, C]. Channels
// first wins when both ends could be channels. perRequest is N, or 1.
func imageInputSpec(meta, shape []int64) (spec imageSpec, perRequest int64, ok bool) {
	var dims []int64
	switch {
	case len(shape) == 4:
		perRequest, dims = shape[0], shape[1:]
	case len(shape) == 3 && (len(meta) == 0 || meta[0] != -1):
		perRequest, dims = 1, shape
	default:
		return imageSpec{}, 0, false
	}
	switch {
	case dims[0] == 1 || dims[0] == 3:
		spec = imageSpec{channelsFirst: true, c: int(dims[0]), h: int(dims[1]), w: int(dims[2])}
	case dims[2] == 1 || dims[2] == 3:
		spec = imageSpec{c: int(dims[2]), h: int(dims[0]), w: int(dims[1])}
	default:
		return imageSpec{}, 0, false
	}
	return spec, perRequest, true
}

// imageElementBytes is the most JSON text one element takes, with its comma.
func imageElementBytes(datatype string) int64 {
	if datatype == "UINT8" {
		return int64(len("255,"))
	}
	return int64(len("0.003921569,"))
}

// imageSet is the folder's images prepared for one imageSpec, shared by
// every input and model with that spec.
type imageSet struct {
	spec  imageSpec
	files []string
	items []imageItem
}

type imageItem struct {
	once sync.Once
	data []byte // the image's elements, comma-separated, no brackets
	err  error
}

// imageSet returns the set for spec, made on first use.
func (k *Client) imageSet(spec imageSpec) *imageSet {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.imageSets[spec]
	if s == nil {
		s = &imageSet{spec: spec, files: k.images, items: make([]imageItem, len(k.images))}
		k.imageSets[spec] = s
	}
	return s
}

// get returns image j's elements, preparing them the first time; a
// failure is kept too, as the file will not mend during the run.
func (s *imageSet) get(j int) ([]byte, error) {
	it := &s.items[j]
	it.once.Do(func() { it.data, it.err = s.spec.prepare(s.files[j]) })
	return it.data, it.err
}

// prepare gets images 0 to n-1 on all cores and returns the error of the
// first failing one in file order.
func (s *imageSet) prepare(n int) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for j := int(next.Add(1) - 1); j < n; j = int(next.Add(1) - 1) {
				_, _ = s.get(j)
			}
		})
	}
	wg.Wait()
	for j := range n {
		if _, err := s.get(j); err != nil {
			return err
		}
	}
	return nil
}

// kserveImageInput fills one input's data from an imageSet.
type kserveImageInput struct {
	set        *imageSet
	perRequest int64 // images per request: the batch dimension, or 1
}

var (
	kserveOpenData = []byte("[")
	kserveEndData  = []byte("]")
)

// appendData appends the data array for request id as parts: request i's
// b-th image is image (i*perRequest + b) mod n, so consecutive requests
// walk the folder in file-name order and wrap around.
func (in *kserveImageInput) appendData(parts [][]byte, id int) ([][]byte, error) {
	n := int64(len(in.set.files))
	first := (int64(id)%n + n) % n * (in.perRequest % n) % n // no overflow
	parts = append(parts, kserveOpenData)
	for b := range in.perRequest {
		if b > 0 {
			parts = append(parts, kserveComma)
		}
		data, err := in.set.get(int((first + b) % n))
		if err != nil {
			return nil, err
		}
		parts = append(parts, data)
	}
	return append(parts, kserveEndData), nil
}

// prepare turns an image file into the input's JSON elements: decoded,
// converted to RGB (alpha is dropped as if over black) or to gray (Go's
// ITU-R 601 luma), resized to h×w by resizeBilinear, laid out CHW or
// HWC, and written as UINT8 0–255 or FP32 value/255.
func (spec imageSpec) prepare(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read image %s: %v", path, err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("image %s cannot be decoded (%v); replace or remove it", path, err)
	}
	b := img.Bounds()
	if int64(b.Dx())*int64(b.Dy()) > maxImagePixels { // changed since listing
		return nil, fmt.Errorf("image %s is %d×%d pixels, more than %d; shrink it", path, b.Dx(), b.Dy(), maxImagePixels)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	planes := channelPlanes(rgba, spec.c)
	size := spec.h * spec.w
	out := make([]uint8, spec.c*size)
	for c, plane := range planes {
		resized := resizeBilinear(plane, b.Dx(), b.Dy(), spec.w, spec.h)
		if spec.channelsFirst {
			copy(out[c*size:], resized)
			continue
		}
		for i, v := range resized {
			out[i*spec.c+c] = v
		}
	}
	return encodePixels(out, spec.datatype), nil
}

// channelPlanes splits an image into R, G, B planes, or one gray plane.
func channelPlanes(img *image.RGBA, channels int) [][]uint8 {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	planes := make([][]uint8, channels)
	for c := range planes {
		planes[c] = make([]uint8, w*h)
	}
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			r, g, b := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2])
			if channels == 1 {
				// color.GrayModel's weights on 8-bit values.
				planes[0][y*w+x] = uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
				continue
			}
			planes[0][y*w+x], planes[1][y*w+x], planes[2][y*w+x] = uint8(r), uint8(g), uint8(b)
		}
	}
	return planes
}

// bilinearTap is where one output row or column samples its source.
type bilinearTap struct {
	i0, i1 int
	f      float64 // weight of i1
}

// bilinearTaps maps out positions onto in with half-pixel centres, as
// OpenCV's INTER_LINEAR and PyTorch's align_corners=False do.
func bilinearTaps(in, out int) []bilinearTap {
	taps := make([]bilinearTap, out)
	scale := float64(in) / float64(out)
	for i := range taps {
		s := max((float64(i)+0.5)*scale-0.5, 0)
		i0 := int(s)
		if i0 >= in-1 {
			taps[i] = bilinearTap{i0: in - 1, i1: in - 1}
			continue
		}
		taps[i] = bilinearTap{i0: i0, i1: i0 + 1, f: s - float64(i0)}
	}
	return taps
}

// resizeBilinear resizes a sw×sh plane to dw×dh by bilinear
// interpolation, rounding to the nearest value (halves away from zero).
// There is no antialiasing: a strong reduction samples rather than
// averages, as OpenCV's resize does, so images near the model's size
// give the truest inputs.
func resizeBilinear(src []uint8, sw, sh, dw, dh int) []uint8 {
	xs, ys := bilinearTaps(sw, dw), bilinearTaps(sh, dh)
	dst := make([]uint8, dw*dh)
	for y, ty := range ys {
		r0, r1 := src[ty.i0*sw:], src[ty.i1*sw:]
		for x, tx := range xs {
			top := (1-tx.f)*float64(r0[tx.i0]) + tx.f*float64(r0[tx.i1])
			bottom := (1-tx.f)*float64(r1[tx.i0]) + tx.f*float64(r1[tx.i1])
			v := math.Round((1-ty.f)*top + ty.f*bottom)
			dst[y*dw+x] = uint8(min(max(v, 0), 255))
		}
	}
	return dst
}

// pixelText holds each datatype's JSON text for the 256 pixel values.
var pixelText = sync.OnceValue(func() map[string]*[256][]byte {
	var u8, f32 [256][]byte
	for v := range 256 {
		u8[v] = strconv.AppendInt(nil, int64(v), 10)
		// float32 division is correctly rounded: the nearest float32 to
		// v/255, written in the fewest digits that read back to it.
		f32[v] = strconv.AppendFloat(nil, float64(float32(v)/255), 'f', -1, 32)
	}
	return map[string]*[256][]byte{"UINT8": &u8, "FP32": &f32}
})

// encodePixels writes pixels as comma-separated JSON elements.
func encodePixels(pixels []uint8, datatype string) []byte {
	text := pixelText()[datatype]
	b := make([]byte, 0, int64(len(pixels))*imageElementBytes(datatype))
	for i, v := range pixels {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, text[v]...)
	}
	return b
}

// imageInput returns how input in, of the given shape, is filled from
// the images folder; nil when it is not an image input.
func (k *Client) imageInput(model string, in kserveTensor, shape []int64) (*kserveImageInput, error) {
	spec, perRequest, ok := imageInputSpec(in.Shape, shape)
	if !ok {
		return nil, nil
	}
	if in.Datatype != "UINT8" && in.Datatype != "FP32" {
		return nil, fmt.Errorf("input %q of model %q has an image's shape %s but datatype %s: images can fill UINT8 inputs (pixel values 0–255) or FP32 inputs (value/255); serve the model with one of those, or unset images to send synthetic data",
			in.Name, model, shapeString(shape), in.Datatype)
	}
	spec.datatype = in.Datatype
	return &kserveImageInput{set: k.imageSet(spec), perRequest: perRequest}, nil
}

// noImageInputError says why a model cannot take the images folder.
func noImageInputError(model string, inputs []kserveTensor, shapes [][]int64) error {
	list := make([]string, len(inputs))
	for i, in := range inputs {
		list[i] = fmt.Sprintf("%q %s %s", in.Name, in.Datatype, shapeString(shapes[i]))
	}
	return fmt.Errorf("images are set but model %q has no image input (its inputs: %s): an image input has shape [N, C, H, W] or [N, H, W, C] with C 1 (gray) or 3 (RGB), or [C, H, W] or [H, W, C] without a batch dimension; give the input's image shape in the kserve shapes option, or unset images to send synthetic data",
		model, strings.Join(list, ", "))
}

// prepareImages prepares the plan's images before the run: all of them
// when their text fits imagePrepareBudget, else those of the first
// request, so that a bad file or shape shows in Check either way.
func (p *kservePlan) prepareImages() error {
	var total int64
	for _, in := range p.inputs {
		if in.images != nil {
			s := in.images.set
			total += int64(len(s.files)) * int64(s.spec.c*s.spec.h*s.spec.w) * imageElementBytes(s.spec.datatype)
		}
	}
	for _, in := range p.inputs {
		if in.images == nil {
			continue
		}
		n := len(in.images.set.files)
		if total > imagePrepareBudget {
			n = int(min(int64(n), in.images.perRequest))
		}
		if err := in.images.set.prepare(n); err != nil {
			return err
		}
	}
	return nil
}
