package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// Limits on what parquet-go may allocate for a file, checked before it
// reads: it trusts the sizes a file states, so a damaged one could ask
// for gigabytes.
const (
	// maxParquetFooter bounds the file's metadata; a large dataset's is a
	// few hundred KiB.
	maxParquetFooter = 16 << 20
	// maxParquetMetadata bounds what decoding the metadata allocates,
	// estimated from the lengths of its lists.
	maxParquetMetadata = 64 << 20
	// maxParquetPage bounds one page, compressed or not; writers make
	// pages of about 1 MiB, or one value long.
	maxParquetPage = 2 * maxRecordBytes
)

// readParquet streams one top-level string column of a Parquet file to
// yield, row group by row group and page by page, without decoding the
// other columns.
func readParquet(path, col string, yield func(string) bool) (table, error) {
	f, err := os.Open(path)
	if err != nil {
		return table{}, fmt.Errorf("dataset file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return table{}, fmt.Errorf("dataset file %s: %w", path, err)
	}
	return parquetRows(f, st.Size(), path, col, yield)
}

// parquetRows reads the Parquet file f of size bytes, named path, for
// readParquet. A damaged file is an error, never a panic: the sizes it
// states are checked before parquet-go allocates them, and a panic in
// parquet-go is recovered (errParquetPanic).
func parquetRows(f io.ReaderAt, size int64, path, col string, yield func(string) bool) (table, error) {
	damaged := func(err error) (table, error) {
		return table{}, fmt.Errorf("dataset file %s is not a readable Parquet file: %w", path, err)
	}
	if err := checkParquetFooter(f, size); err != nil {
		return damaged(err)
	}
	pf, name, leaf, err := openParquetColumn(f, size, path, col)
	if errors.Is(err, errParquetPanic) {
		return damaged(err)
	}
	if err != nil {
		return table{}, err
	}
	t := table{column: name, yield: yield}
	groups := pf.Metadata().RowGroups
	for i, rg := range pf.RowGroups() {
		if i >= len(groups) || leaf >= len(groups[i].Columns) || leaf >= len(rg.ColumnChunks()) {
			return damaged(fmt.Errorf("row group %d has no column %q", i, name))
		}
		if err := checkParquetChunk(f, size, &groups[i].Columns[leaf]); err != nil {
			return damaged(fmt.Errorf("row group %d, column %q: %w", i, name, err))
		}
		more, err := readChunk(rg.ColumnChunks()[leaf], &t)
		if err != nil {
			return table{}, fmt.Errorf("%s: reading column %q: %w", path, name, err)
		}
		if !more {
			break
		}
	}
	return t, nil
}

// errParquetPanic marks a panic in parquet-go, recovered.
var errParquetPanic = errors.New("the Parquet reader failed on damaged data")

// recoverParquet turns a panic in parquet-go into *err.
func recoverParquet(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%w (%v)", errParquetPanic, p)
	}
}

// openParquetColumn opens f and picks its text column: its name and the
// index of its leaf.
func openParquetColumn(f io.ReaderAt, size int64, path, col string) (pf *parquet.File, name string, leaf int, err error) {
	defer recoverParquet(&err)
	pf, err = parquet.OpenFile(f, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, "", 0, fmt.Errorf("dataset file %s is not a readable Parquet file: %w", path, err)
	}
	var names []string
	for _, c := range pf.Root().Columns() {
		names = append(names, c.Name())
	}
	if name, err = pickColumn(path, col, names); err != nil {
		return nil, "", 0, err
	}
	c := pf.Root().Column(name)
	if !c.Leaf() || c.Repeated() {
		return nil, "", 0, fmt.Errorf("%s: column %q is a list or struct, not text; set scenario.text_column_name to a text column", path, name)
	}
	if k := c.Type().Kind(); k != parquet.ByteArray {
		return nil, "", 0, fmt.Errorf("%s: column %q holds %s values, not text; set scenario.text_column_name to a text column", path, name, k)
	}
	return pf, name, c.Index(), nil
}

// readChunk hands one column chunk's values to t, and reports whether t
// wants more.
func readChunk(chunk parquet.ColumnChunk, t *table) (more bool, err error) {
	defer recoverParquet(&err)
	pages := chunk.Pages()
	defer pages.Close()
	var buf [256]parquet.Value
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		more, err := readPage(page, buf[:], t)
		parquet.Release(page)
		if !more || err != nil {
			return false, err
		}
	}
}

// readPage hands one page's values to t, and reports whether t wants
// more.
func readPage(page parquet.Page, buf []parquet.Value, t *table) (bool, error) {
	values := page.Values()
	for {
		n, err := values.ReadValues(buf)
		for _, v := range buf[:n] {
			if v.IsNull() {
				t.skipped++
				continue
			}
			if len(v.ByteArray()) > maxRecordBytes {
				return false, fmt.Errorf("a value is longer than %d MiB, the limit for one record", maxRecordBytes>>20)
			}
			// string() copies: the page's memory is reused after Release.
			if !t.add(string(v.ByteArray())) {
				return false, nil
			}
		}
		switch {
		case errors.Is(err, io.EOF):
			return true, nil
		case err != nil:
			return false, err
		case n == 0:
			return false, io.ErrNoProgress
		}
	}
}

// checkParquetFooter checks the magic numbers and the metadata's length,
// and that the lists in the metadata are no longer than the bytes that
// hold them and would not make its decoding allocate more than
// maxParquetMetadata.
func checkParquetFooter(f io.ReaderAt, size int64) error {
	var head, tail [8]byte
	if size < 12 {
		return fmt.Errorf("%d bytes is too short", size)
	}
	if _, err := f.ReadAt(head[:4], 0); err != nil {
		return err
	}
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if string(head[:4]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return errors.New(`it does not begin and end with "PAR1" (encrypted files are not read)`)
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 || n > maxParquetFooter {
		return fmt.Errorf("its metadata is %d bytes long, more than the file or the %d MiB limit", n, maxParquetFooter>>20)
	}
	footer := make([]byte, n)
	if _, err := f.ReadAt(footer, size-8-n); err != nil {
		return err
	}
	r := &budgetReader{BytesReader: new(thrift.CompactProtocol).NewReaderFromBytes(footer), left: maxParquetMetadata}
	if err := thrift.NewDecoder(r).Decode(&struct{}{}); err != nil {
		return fmt.Errorf("its metadata: %w", err)
	}
	return nil
}

// budgetReader reads thrift and counts what a decoder would allocate for
// the lists, sets and maps it meets: at most maxThriftElem bytes an
// element (format.ColumnChunk, the largest, is about 560).
type budgetReader struct {
	thrift.BytesReader
	left int64
}

const maxThriftElem = 1024

func (r *budgetReader) spend(n int32) error {
	r.left -= int64(n) * maxThriftElem
	if r.left < 0 {
		return fmt.Errorf("decoding it would take more than the %d MiB limit", maxParquetMetadata>>20)
	}
	return nil
}

func (r *budgetReader) ReadList() (thrift.List, error) {
	l, err := r.BytesReader.ReadList()
	if err == nil {
		err = r.spend(l.Size)
	}
	return l, err
}

func (r *budgetReader) ReadSet() (thrift.Set, error) {
	l, err := r.ReadList()
	return thrift.Set(l), err
}

func (r *budgetReader) ReadMap() (thrift.Map, error) {
	m, err := r.BytesReader.ReadMap()
	if err == nil {
		err = r.spend(m.Size)
	}
	return m, err
}

// Discard lets the decoder skip bytes through the wrapped reader.
func (r *budgetReader) Discard(n int) (int, error) {
	return r.BytesReader.(interface{ Discard(int) (int, error) }).Discard(n)
}

// checkParquetChunk walks the page headers of a column chunk before
// parquet-go reads it: the chunk must lie inside the file, and each page
// inside the chunk, no larger than maxParquetPage, with no more values
// than the chunk, and its data no larger decoded than its header says.
func checkParquetChunk(f io.ReaderAt, size int64, chunk *format.ColumnChunk) error {
	md := &chunk.MetaData
	start := md.DataPageOffset
	if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
		start = md.DictionaryPageOffset
	}
	end := start + md.TotalCompressedSize
	if start < 4 || md.TotalCompressedSize < 0 || end < start || end > size-8 {
		return fmt.Errorf("its data at bytes %d to %d lies outside the file", start, end)
	}
	if md.NumValues < 0 || md.NumValues > maxRows {
		return fmt.Errorf("it has %d values, more than the %d rows aienergy reads", md.NumValues, maxRows)
	}
	buf := make([]byte, 4<<10)
	for pos, pages := start, int64(0); pos < end; pages++ {
		if pages > md.NumValues { // a dictionary, then pages of values
			return fmt.Errorf("it has more pages than its %d values", md.NumValues)
		}
		var h format.PageHeader
		read, err := readPageHeader(f, pos, end, &buf, &h)
		if err != nil {
			return fmt.Errorf("page header at byte %d: %w", pos, err)
		}
		pos += read
		values := int64(-1)
		switch {
		case h.DataPageHeader.Valid:
			values = int64(h.DataPageHeader.V.NumValues)
		case h.DataPageHeaderV2.Valid:
			values = int64(h.DataPageHeaderV2.V.NumValues)
		case h.DictionaryPageHeader.Valid:
			values = int64(h.DictionaryPageHeader.V.NumValues)
		}
		switch {
		case h.CompressedPageSize < 0 || int64(h.CompressedPageSize) > end-pos:
			return fmt.Errorf("page of %d bytes at byte %d runs past its column chunk (byte %d)", h.CompressedPageSize, pos, end)
		case h.CompressedPageSize > maxParquetPage || h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxParquetPage:
			return fmt.Errorf("page at byte %d is %d bytes (%d compressed), more than the %d MiB limit", pos, h.UncompressedPageSize, h.CompressedPageSize, maxParquetPage>>20)
		case values > md.NumValues:
			return fmt.Errorf("page at byte %d has %d values, more than its column chunk (%d)", pos, values, md.NumValues)
		}
		if err := checkDecodedSize(f, pos, &h, md.Codec); err != nil {
			return fmt.Errorf("page at byte %d: %w", pos, err)
		}
		pos += int64(h.CompressedPageSize)
	}
	return nil
}

// readPageHeader decodes the page header at pos from a window of the file
// that grows, up to maxParquetPage, until the header fits, and returns its
// length. Decoding from bytes keeps every length it states within them.
func readPageHeader(f io.ReaderAt, pos, end int64, buf *[]byte, h *format.PageHeader) (int64, error) {
	for {
		window := (*buf)[:min(int64(len(*buf)), end-pos)]
		if _, err := f.ReadAt(window, pos); err != nil {
			return 0, err
		}
		r := new(thrift.CompactProtocol).NewReaderFromBytes(window)
		err := thrift.NewDecoder(r).Decode(h)
		if err == nil {
			return int64(r.BytesRead()), nil
		}
		if len(window) == len(*buf) && len(*buf) < maxParquetPage && errors.Is(err, io.ErrUnexpectedEOF) {
			*buf = make([]byte, 4*len(*buf))
			*h = format.PageHeader{}
			continue
		}
		return 0, err
	}
}

// checkDecodedSize holds a compressed page to the size its header states,
// where the decoder would trust the data instead: Snappy and Zstandard
// allocate the length their data states, and parquet-go's LZ4 decoder
// doubles its buffer until a block decodes, which damaged data never
// does. Gzip and Brotli stream into a growing buffer and are left to
// their own checks.
func checkDecodedSize(f io.ReaderAt, pos int64, h *format.PageHeader, codec format.CompressionCodec) error {
	size := int64(h.CompressedPageSize)
	if v2 := h.DataPageHeaderV2; v2.Valid {
		levels := int64(v2.V.RepetitionLevelsByteLength) + int64(v2.V.DefinitionLevelsByteLength)
		if (v2.V.IsCompressed.Valid && !v2.V.IsCompressed.V) || levels > size {
			return nil
		}
		pos, size = pos+levels, size-levels
	}
	limit := int64(h.UncompressedPageSize)
	var head [18]byte // a Zstandard frame header, or a varint
	n, _ := f.ReadAt(head[:min(size, int64(len(head)))], pos)
	var stated int64
	switch codec {
	case format.Snappy:
		v, k := binary.Uvarint(head[:n])
		if k <= 0 || v > uint64(limit) {
			return fmt.Errorf("its Snappy data does not state a length of at most %d bytes", limit)
		}
	case format.Zstd:
		stated = zstdContentSize(head[:n])
	case format.Lz4Raw:
		data, out := make([]byte, size), make([]byte, limit)
		if _, err := f.ReadAt(data, pos); err != nil {
			return err
		}
		if _, err := lz4.UncompressBlock(data, out); err != nil {
			return fmt.Errorf("its LZ4 data does not decode to at most %d bytes: %w", limit, err)
		}
	}
	if stated > limit {
		return fmt.Errorf("its data states %d bytes, more than its header's %d", stated, limit)
	}
	return nil
}

// zstdContentSize returns the content size a Zstandard frame header
// states (RFC 8878, 3.1.1.1), or 0 when it states none.
func zstdContentSize(b []byte) int64 {
	if len(b) < 5 || binary.LittleEndian.Uint32(b) != 0xFD2FB528 {
		return 0
	}
	desc := b[4]
	single := desc&0x20 != 0
	i := 5
	if !single {
		i++ // window descriptor
	}
	i += []int{0, 1, 2, 4}[desc&3] // dictionary id
	fcs := []int{0, 2, 4, 8}[desc>>6]
	if fcs == 0 && single {
		fcs = 1
	}
	if fcs == 0 || len(b) < i+fcs {
		return 0
	}
	var v uint64
	for j := fcs - 1; j >= 0; j-- {
		v = v<<8 | uint64(b[i+j])
	}
	if fcs == 2 {
		v += 256
	}
	return int64(min(v, math.MaxInt64))
}
