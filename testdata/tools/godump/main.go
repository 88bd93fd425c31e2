// Command godump prints ground truth about a Go binary as JSON, using only
// Go's standard library (debug/buildinfo, debug/elf, debug/pe, debug/macho,
// debug/gosym, debug/dwarf). It is the independent oracle for goelf's tests.
//
// Usage: godump [-samples N] BINARY
//
// Every part is optional: a part that cannot be computed is null and an
// explanation is appended to "errors". godump never exits non-zero because a
// part failed; it exits 2 only for a usage error or an unreadable file.
package main

import (
	"bytes"
	"debug/buildinfo"
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

type Module struct {
	Path    string  `json:"path"`
	Version string  `json:"version"`
	Sum     string  `json:"sum"`
	Replace *Module `json:"replace"`
}

type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type BuildInfo struct {
	GoVersion string    `json:"go_version"`
	Path      string    `json:"path"`
	Main      Module    `json:"main"`
	Deps      []Module  `json:"deps"`
	Settings  []Setting `json:"settings"`
}

type Pclntab struct {
	Location    string   `json:"location"` // section name or "symbols runtime.pclntab..runtime.epclntab"
	Addr        uint64   `json:"addr"`
	FileOffset  *uint64  `json:"file_offset"`
	Size        uint64   `json:"size"`
	Magic       string   `json:"magic"` // hex, as a uint32 in the target's byte order
	ByteOrder   string   `json:"byte_order"`
	Quantum     int      `json:"quantum"`
	PtrSize     int      `json:"ptr_size"`
	HeaderWords []uint64 `json:"header_words"` // words 0..7 after the 8-byte prefix (1.18+ pcHeader), raw
	NFunc       int      `json:"nfunc"`        // len(gosym Table.Funcs)
	TextStart   uint64   `json:"text_start"`   // the value handed to gosym.NewLineTable
	TextSource  string   `json:"text_start_source"`
}

type Func struct {
	Name  string `json:"name"`
	Entry uint64 `json:"entry"`
	End   uint64 `json:"end"`
	// Package is gosym's Sym.PackageName: the linker's (escaped) form, "" for names it
	// takes as compiler-generated.
	Package string `json:"package"`
}

// Sample is gosym's answer for one pc. File indexes Output.Files and Func
// indexes Output.Funcs (-1 when gosym finds no function or no file).
type Sample struct {
	PC   uint64 `json:"pc"`
	File int    `json:"file"`
	Line int    `json:"line"`
	Func int    `json:"func"`
}

type Member struct {
	Name   string      `json:"name"`
	Offset int64       `json:"offset"`
	Type   string      `json:"type"`
	Size   int64       `json:"size"`
	Value  interface{} `json:"value"`
}

type Moduledata struct {
	Symbol        string   `json:"symbol"`
	Addr          uint64   `json:"addr"`
	StructSize    int64    `json:"struct_size"`
	RelocsApplied int      `json:"relocs_applied"` // RELATIVE dynamic relocations godump overlaid on the file bytes
	Text          *uint64  `json:"text"`
	Etext         *uint64  `json:"etext"`
	Types         *uint64  `json:"types"`
	Etypes        *uint64  `json:"etypes"`
	Hasmain       *uint64  `json:"hasmain"`
	TypelinksLen  *uint64  `json:"typelinks_len"`
	ItablinksLen  *uint64  `json:"itablinks_len"`
	InittasksLen  *uint64  `json:"inittasks_len"`
	Members       []Member `json:"members"`
}

type Output struct {
	Tool           string      `json:"tool"`
	GodumpGo       string      `json:"godump_built_with"`
	Format         string      `json:"format"` // elf, pe, macho
	Arch           string      `json:"arch"`
	BigEndian      bool        `json:"big_endian"`
	BuildInfo      *BuildInfo  `json:"buildinfo"`
	Pclntab        *Pclntab    `json:"pclntab"`
	Funcs          []Func      `json:"funcs"`
	SampleCap      int         `json:"sample_cap"`
	SamplesSkipped int         `json:"samples_skipped_no_line"`
	Files          []string    `json:"files"`
	Samples        []Sample    `json:"pc_samples"`
	Moduledata     *Moduledata `json:"moduledata"`
	Errors         []string    `json:"errors"`
}

// exe abstracts the three containers.
type exe interface {
	section(name string) (addr uint64, off uint64, data []byte, ok bool)
	symbol(name string) (addr uint64, size uint64, ok bool)
	readAt(addr uint64, n int) ([]byte, error)
	textSection() (addr uint64, ok bool)
	dwarf() (*dwarf.Data, error)
	order() binary.ByteOrder
	ptrSize() int
	relocate(addr uint64, buf []byte) int
}

var goVersion = "unknown"

func main() {
	cap := flag.Int("samples", 3000, "maximum number of pc samples")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: godump [-samples N] BINARY")
		os.Exit(2)
	}
	path := flag.Arg(0)
	out := &Output{Tool: "godump", GodumpGo: runtimeVersion(), SampleCap: *cap, Errors: []string{}}
	errf := func(format string, a ...interface{}) { out.Errors = append(out.Errors, fmt.Sprintf(format, a...)) }

	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()

	func() {
		defer func() {
			if r := recover(); r != nil {
				errf("buildinfo: panic: %v", r)
			}
		}()
		bi, err := buildinfo.ReadFile(path)
		if err != nil {
			errf("buildinfo: %v", err)
			return
		}
		b := &BuildInfo{GoVersion: bi.GoVersion, Path: bi.Path, Main: conv(&bi.Main), Deps: []Module{}, Settings: []Setting{}}
		for _, d := range bi.Deps {
			b.Deps = append(b.Deps, conv(d))
		}
		for _, s := range bi.Settings {
			b.Settings = append(b.Settings, Setting{s.Key, s.Value})
		}
		out.BuildInfo = b
	}()

	var x exe
	if ef, err := elf.NewFile(f); err == nil {
		out.Format = "elf"
		out.Arch = ef.Machine.String()
		x = &elfExe{ef}
	} else if pf, err := pe.NewFile(f); err == nil {
		out.Format = "pe"
		out.Arch = fmt.Sprintf("0x%x", pf.Machine)
		x = newPE(pf)
	} else if mf, err := macho.NewFile(f); err == nil {
		out.Format = "macho"
		out.Arch = mf.Cpu.String()
		x = &machoExe{mf}
	} else {
		errf("container: not ELF, PE or Mach-O")
		emit(out)
		return
	}
	out.BigEndian = x.order() == binary.BigEndian

	func() {
		defer func() {
			if r := recover(); r != nil {
				errf("pclntab: panic: %v", r)
			}
		}()
		dumpPcln(x, out, errf)
	}()
	func() {
		defer func() {
			if r := recover(); r != nil {
				errf("moduledata: panic: %v", r)
			}
		}()
		md, err := dumpModuledata(x)
		if err != nil {
			errf("moduledata: %v", err)
			return
		}
		out.Moduledata = md
	}()
	emit(out)
}

// emit writes the JSON with one line per function, pc sample and
// moduledata member, so that golden files diff well and stay small.
func emit(out *Output) {
	var b bytes.Buffer
	compact := func(v interface{}) string {
		var w bytes.Buffer
		enc := json.NewEncoder(&w)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
		return strings.TrimRight(w.String(), "\n")
	}
	indented := func(v interface{}, prefix string) string {
		var w bytes.Buffer
		enc := json.NewEncoder(&w)
		enc.SetEscapeHTML(false)
		enc.SetIndent(prefix, " ")
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
		return strings.TrimRight(w.String(), "\n")
	}
	list := func(n int, item func(i int) interface{}, prefix string) string {
		if n == 0 {
			return "[]"
		}
		parts := make([]string, n)
		for i := range parts {
			parts[i] = prefix + " " + compact(item(i))
		}
		return "[\n" + strings.Join(parts, ",\n") + "\n" + prefix + "]"
	}
	type kv struct {
		k string
		v string
	}
	var md string
	if out.Moduledata == nil {
		md = "null"
	} else {
		m := *out.Moduledata
		members := m.Members
		m.Members = nil
		s := indented(m, " ")
		s = strings.TrimSuffix(s, "\n }")
		s = strings.Replace(s, "\"members\": null", "\"members\": "+list(len(members), func(i int) interface{} { return members[i] }, "  "), 1)
		md = s + "\n }"
	}
	funcs, samples, files := "null", "null", "null"
	if out.Files != nil {
		files = list(len(out.Files), func(i int) interface{} { return out.Files[i] }, " ")
	}
	if out.Funcs != nil {
		funcs = list(len(out.Funcs), func(i int) interface{} { return out.Funcs[i] }, " ")
	}
	if out.Samples != nil {
		samples = list(len(out.Samples), func(i int) interface{} { return out.Samples[i] }, " ")
	}
	fields := []kv{
		{"tool", compact(out.Tool)},
		{"godump_built_with", compact(out.GodumpGo)},
		{"format", compact(out.Format)},
		{"arch", compact(out.Arch)},
		{"big_endian", compact(out.BigEndian)},
		{"errors", compact(out.Errors)},
		{"buildinfo", indented(out.BuildInfo, " ")},
		{"pclntab", indented(out.Pclntab, " ")},
		{"moduledata", md},
		{"sample_cap", compact(out.SampleCap)},
		{"samples_skipped_no_line", compact(out.SamplesSkipped)},
		{"funcs", funcs},
		{"files", files},
		{"pc_samples", samples},
	}
	b.WriteString("{\n")
	for i, f := range fields {
		b.WriteString(" " + compact(f.k) + ": " + f.v)
		if i < len(fields)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	os.Stdout.Write(b.Bytes())
}

func conv(m *debugModule) Module {
	r := Module{Path: m.Path, Version: m.Version, Sum: m.Sum}
	if m.Replace != nil {
		rr := conv(m.Replace)
		r.Replace = &rr
	}
	return r
}

func dumpPcln(x exe, out *Output, errf func(string, ...interface{})) {
	var (
		addr, off uint64
		data      []byte
		loc       string
		haveOff   bool
	)
	for _, name := range []string{".gopclntab", ".data.rel.ro.gopclntab", "__gopclntab"} {
		if a, o, d, ok := x.section(name); ok {
			addr, off, data, loc, haveOff = a, o, d, name, true
			break
		}
	}
	if data == nil {
		start, _, ok1 := x.symbol("runtime.pclntab")
		end, _, ok2 := x.symbol("runtime.epclntab")
		if !ok1 || !ok2 {
			start, _, ok1 = x.symbol("pclntab")
			end, _, ok2 = x.symbol("epclntab")
		}
		if !ok1 || !ok2 || end <= start {
			errf("pclntab: no .gopclntab/.data.rel.ro.gopclntab/__gopclntab section and no runtime.pclntab/runtime.epclntab symbols")
			return
		}
		d, err := x.readAt(start, int(end-start))
		if err != nil {
			errf("pclntab: read via symbols: %v", err)
			return
		}
		addr, data, loc = start, d, "symbols runtime.pclntab..runtime.epclntab"
	}
	if len(data) < 16 {
		errf("pclntab: table shorter than 16 bytes")
		return
	}
	p := &Pclntab{Location: loc, Addr: addr, Size: uint64(len(data)), Quantum: int(data[6]), PtrSize: int(data[7])}
	if haveOff {
		o := off
		p.FileOffset = &o
	}
	le := binary.LittleEndian.Uint32(data)
	be := binary.BigEndian.Uint32(data)
	var bo binary.ByteOrder = x.order()
	switch {
	case isMagic(le):
		bo = binary.LittleEndian
		p.Magic = fmt.Sprintf("0x%08x", le)
		p.ByteOrder = "little"
	case isMagic(be):
		bo = binary.BigEndian
		p.Magic = fmt.Sprintf("0x%08x", be)
		p.ByteOrder = "big"
	default:
		p.Magic = fmt.Sprintf("0x%08x", bo.Uint32(data))
		p.ByteOrder = "unknown"
		errf("pclntab: unknown magic %s", p.Magic)
	}
	ps := p.PtrSize
	if ps == 4 || ps == 8 {
		p.HeaderWords = []uint64{}
		for k := 0; k < 8 && 8+(k+1)*ps <= len(data); k++ {
			o := 8 + k*ps
			if ps == 8 {
				p.HeaderWords = append(p.HeaderWords, bo.Uint64(data[o:]))
			} else {
				p.HeaderWords = append(p.HeaderWords, uint64(bo.Uint32(data[o:])))
			}
		}
	}
	if a, _, ok := x.symbol("runtime.text"); ok {
		p.TextStart, p.TextSource = a, "symbol runtime.text"
	} else if a, ok := x.textSection(); ok {
		p.TextStart, p.TextSource = a, "text section"
	} else {
		errf("pclntab: no runtime.text symbol and no text section")
		out.Pclntab = p
		return
	}
	out.Pclntab = p

	lt := gosym.NewLineTable(data, p.TextStart)
	tab, err := gosym.NewTable(nil, lt)
	if err != nil {
		errf("gosym: %v", err)
		return
	}
	p.NFunc = len(tab.Funcs)
	if p.NFunc == 0 {
		errf("gosym: no functions (a debug/gosym older than the binary's pclntab format? godump was built with %s)", runtimeVersion())
	}
	out.Funcs = make([]Func, 0, len(tab.Funcs))
	funcIndex := map[*gosym.Func]int{}
	for i := range tab.Funcs {
		fn := &tab.Funcs[i]
		funcIndex[fn] = i
		out.Funcs = append(out.Funcs, Func{Name: fn.Name, Entry: fn.Entry, End: fn.End, Package: fn.PackageName()})
	}
	fileIndex := map[string]int{}

	// pc samples: entry, entry+q*3 and the middle of each function, on an even
	// stride over functions so that the total stays under the cap.
	cap := out.SampleCap
	n := len(tab.Funcs)
	perFunc := 3
	stride := 1
	if n*perFunc > cap && cap > 0 {
		stride = (n*perFunc + cap - 1) / cap
	}
	q := uint64(p.Quantum)
	if q == 0 {
		q = 1
	}
	out.Samples = []Sample{}
	out.Files = []string{}
	seen := map[uint64]bool{}
	for i := 0; i < n; i += stride {
		fn := tab.Funcs[i]
		pcs := []uint64{fn.Entry, fn.Entry + 3*q, fn.Entry + (fn.End-fn.Entry)/2/q*q}
		for _, pc := range pcs {
			if pc >= fn.End || seen[pc] || len(out.Samples) >= cap {
				continue
			}
			seen[pc] = true
			file, line, f := tab.PCToLine(pc)
			if line <= 0 {
				// gosym answers nonsense (negative lines, a stray file) for
				// linker-made functions without a compilation unit; skip them.
				out.SamplesSkipped++
				continue
			}
			s := Sample{PC: pc, File: -1, Line: line, Func: -1}
			if file != "" {
				fi, ok := fileIndex[file]
				if !ok {
					fi = len(out.Files)
					fileIndex[file] = fi
					out.Files = append(out.Files, file)
				}
				s.File = fi
			}
			if f != nil {
				if fi, ok := funcIndex[f]; ok {
					s.Func = fi
				}
			}
			out.Samples = append(out.Samples, s)
		}
	}
	sort.Slice(out.Samples, func(i, j int) bool { return out.Samples[i].PC < out.Samples[j].PC })
}

func isMagic(m uint32) bool {
	switch m {
	case 0xfffffffb, 0xfffffffa, 0xfffffff0, 0xfffffff1:
		return true
	}
	return false
}

func dumpModuledata(x exe) (*Moduledata, error) {
	d, err := x.dwarf()
	if err != nil {
		return nil, fmt.Errorf("no DWARF: %v", err)
	}
	sym := "runtime.firstmoduledata"
	addr, _, ok := x.symbol(sym)
	if !ok {
		return nil, errors.New("no runtime.firstmoduledata symbol")
	}
	st, err := findStruct(d, "runtime.moduledata")
	if err != nil {
		return nil, err
	}
	buf, err := x.readAt(addr, int(st.ByteSize))
	if err != nil {
		return nil, fmt.Errorf("read moduledata bytes: %v", err)
	}
	md := &Moduledata{Symbol: sym, Addr: addr, StructSize: st.ByteSize, Members: []Member{}}
	md.RelocsApplied = x.relocate(addr, buf)
	bo := x.order()
	ps := int64(x.ptrSize())
	word := func(o int64) (uint64, bool) {
		if o < 0 || o+ps > int64(len(buf)) {
			return 0, false
		}
		if ps == 8 {
			return bo.Uint64(buf[o:]), true
		}
		return uint64(bo.Uint32(buf[o:])), true
	}
	for _, f := range st.Field {
		if f.Name == "" || f.Name == "_" {
			continue
		}
		t := f.Type
		m := Member{Name: f.Name, Offset: f.ByteOffset, Type: typeName(t), Size: t.Size()}
		switch tt := dwarf.Type(t).(type) {
		case *dwarf.PtrType, *dwarf.UintType, *dwarf.IntType, *dwarf.BoolType, *dwarf.UnspecifiedType:
			if t.Size() == ps {
				if v, ok := word(f.ByteOffset); ok {
					m.Value = v
				}
			} else if t.Size() == 1 && f.ByteOffset < int64(len(buf)) {
				m.Value = uint64(buf[f.ByteOffset])
			} else if t.Size() == 4 && f.ByteOffset+4 <= int64(len(buf)) {
				m.Value = uint64(bo.Uint32(buf[f.ByteOffset:]))
			}
		case *dwarf.StructType:
			name := tt.StructName
			if strings.HasPrefix(name, "[]") {
				p, ok1 := word(f.ByteOffset)
				l, ok2 := word(f.ByteOffset + ps)
				c, ok3 := word(f.ByteOffset + 2*ps)
				if ok1 && ok2 && ok3 {
					m.Value = map[string]uint64{"ptr": p, "len": l, "cap": c}
				}
			} else if name == "string" {
				p, ok1 := word(f.ByteOffset)
				l, ok2 := word(f.ByteOffset + ps)
				if ok1 && ok2 {
					m.Value = map[string]uint64{"ptr": p, "len": l}
				}
			}
		case *dwarf.TypedefType:
			if t.Size() == ps {
				if v, ok := word(f.ByteOffset); ok {
					m.Value = v
				}
			}
		}
		md.Members = append(md.Members, m)
		get := func() *uint64 {
			switch v := m.Value.(type) {
			case uint64:
				return &v
			case map[string]uint64:
				l := v["len"]
				return &l
			}
			return nil
		}
		switch f.Name {
		case "text":
			md.Text = get()
		case "etext":
			md.Etext = get()
		case "types":
			md.Types = get()
		case "etypes":
			md.Etypes = get()
		case "hasmain":
			md.Hasmain = get()
		case "typelinks":
			md.TypelinksLen = get()
		case "itablinks":
			md.ItablinksLen = get()
		case "inittasks":
			md.InittasksLen = get()
		}
	}
	return md, nil
}

func findStruct(d *dwarf.Data, name string) (*dwarf.StructType, error) {
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return nil, fmt.Errorf("DWARF has no struct %s", name)
		}
		if e.Tag == dwarf.TagStructType {
			if n, _ := e.Val(dwarf.AttrName).(string); n == name {
				t, err := d.Type(e.Offset)
				if err != nil {
					return nil, err
				}
				st, ok := t.(*dwarf.StructType)
				if !ok {
					return nil, fmt.Errorf("%s is not a struct", name)
				}
				return st, nil
			}
		}
		if e.Children && e.Tag != dwarf.TagCompileUnit {
			r.SkipChildren()
		}
	}
}

// ---- ELF ----

type elfExe struct{ f *elf.File }

func (e *elfExe) section(name string) (uint64, uint64, []byte, bool) {
	s := e.f.Section(name)
	if s == nil || s.Type == elf.SHT_NOBITS {
		return 0, 0, nil, false
	}
	d, err := s.Data()
	if err != nil {
		return 0, 0, nil, false
	}
	return s.Addr, s.Offset, d, true
}

func (e *elfExe) symbol(name string) (uint64, uint64, bool) {
	for _, get := range []func() ([]elf.Symbol, error){e.f.Symbols, e.f.DynamicSymbols} {
		syms, err := get()
		if err != nil {
			continue
		}
		for _, s := range syms {
			if s.Name == name {
				return s.Value, s.Size, true
			}
		}
	}
	return 0, 0, false
}

func (e *elfExe) readAt(addr uint64, n int) ([]byte, error) {
	for _, p := range e.f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if addr >= p.Vaddr && addr+uint64(n) <= p.Vaddr+p.Filesz {
			buf := make([]byte, n)
			_, err := p.ReadAt(buf, int64(addr-p.Vaddr))
			return buf, err
		}
	}
	for _, s := range e.f.Sections {
		if s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		if addr >= s.Addr && addr+uint64(n) <= s.Addr+s.Size {
			buf := make([]byte, n)
			_, err := s.ReadAt(buf, int64(addr-s.Addr))
			return buf, err
		}
	}
	return nil, fmt.Errorf("address 0x%x+%d not in the file", addr, n)
}

func (e *elfExe) textSection() (uint64, bool) {
	if s := e.f.Section(".text"); s != nil {
		return s.Addr, true
	}
	return 0, false
}

func (e *elfExe) dwarf() (*dwarf.Data, error) { return e.f.DWARF() }
func (e *elfExe) order() binary.ByteOrder     { return e.f.ByteOrder }
func (e *elfExe) ptrSize() int {
	if e.f.Class == elf.ELFCLASS64 {
		return 8
	}
	return 4
}

// relocate overlays RELATIVE dynamic relocations (RELA, 64-bit x86/arm64)
// on buf, which holds the bytes at addr. Internal Go links already store the
// link-time value in the file; host linkers may leave zeros there.
func (e *elfExe) relocate(addr uint64, buf []byte) int {
	if e.f.Type != elf.ET_DYN || e.f.Class != elf.ELFCLASS64 {
		return 0
	}
	n := 0
	for _, s := range e.f.Sections {
		if s.Type != elf.SHT_RELA {
			continue
		}
		d, err := s.Data()
		if err != nil {
			continue
		}
		for i := 0; i+24 <= len(d); i += 24 {
			off := e.f.ByteOrder.Uint64(d[i:])
			info := e.f.ByteOrder.Uint64(d[i+8:])
			add := e.f.ByteOrder.Uint64(d[i+16:])
			typ := uint32(info)
			rel := (e.f.Machine == elf.EM_X86_64 && typ == uint32(elf.R_X86_64_RELATIVE)) ||
				(e.f.Machine == elf.EM_AARCH64 && typ == uint32(elf.R_AARCH64_RELATIVE))
			if !rel || off < addr || off+8 > addr+uint64(len(buf)) {
				continue
			}
			o := off - addr
			if e.f.ByteOrder.Uint64(buf[o:]) != add {
				e.f.ByteOrder.PutUint64(buf[o:], add)
				n++
			}
		}
	}
	return n
}

// ---- PE ----

type peExe struct {
	f         *pe.File
	imageBase uint64
}

func newPE(f *pe.File) *peExe {
	x := &peExe{f: f}
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		x.imageBase = uint64(oh.ImageBase)
	case *pe.OptionalHeader64:
		x.imageBase = oh.ImageBase
	}
	return x
}

func (x *peExe) section(name string) (uint64, uint64, []byte, bool) {
	return 0, 0, nil, false // PE has no pclntab section
}

func (x *peExe) symbol(name string) (uint64, uint64, bool) {
	for _, s := range x.f.Symbols {
		if s.Name != name || s.SectionNumber <= 0 || int(s.SectionNumber) > len(x.f.Sections) {
			continue
		}
		sect := x.f.Sections[s.SectionNumber-1]
		return x.imageBase + uint64(sect.VirtualAddress) + uint64(s.Value), 0, true
	}
	return 0, 0, false
}

func (x *peExe) readAt(addr uint64, n int) ([]byte, error) {
	for _, s := range x.f.Sections {
		start := x.imageBase + uint64(s.VirtualAddress)
		if addr >= start && addr+uint64(n) <= start+uint64(s.Size) {
			buf := make([]byte, n)
			_, err := s.ReadAt(buf, int64(addr-start))
			return buf, err
		}
	}
	return nil, fmt.Errorf("address 0x%x+%d not in the file", addr, n)
}

func (x *peExe) textSection() (uint64, bool) {
	if s := x.f.Section(".text"); s != nil {
		return x.imageBase + uint64(s.VirtualAddress), true
	}
	return 0, false
}

func (x *peExe) dwarf() (*dwarf.Data, error) { return x.f.DWARF() }
func (x *peExe) order() binary.ByteOrder     { return binary.LittleEndian }
func (x *peExe) relocate(uint64, []byte) int { return 0 }
func (x *peExe) ptrSize() int {
	if _, ok := x.f.OptionalHeader.(*pe.OptionalHeader32); ok {
		return 4
	}
	return 8
}

// ---- Mach-O ----

type machoExe struct{ f *macho.File }

func (x *machoExe) section(name string) (uint64, uint64, []byte, bool) {
	s := x.f.Section(name)
	if s == nil {
		return 0, 0, nil, false
	}
	d, err := s.Data()
	if err != nil {
		return 0, 0, nil, false
	}
	return s.Addr, uint64(s.Offset), d, true
}

func (x *machoExe) symbol(name string) (uint64, uint64, bool) {
	if x.f.Symtab == nil {
		return 0, 0, false
	}
	for _, s := range x.f.Symtab.Syms {
		if s.Name == name || s.Name == "_"+name {
			return s.Value, 0, true
		}
	}
	return 0, 0, false
}

func (x *machoExe) readAt(addr uint64, n int) ([]byte, error) {
	for _, l := range x.f.Loads {
		seg, ok := l.(*macho.Segment)
		if !ok {
			continue
		}
		if addr >= seg.Addr && addr+uint64(n) <= seg.Addr+seg.Filesz {
			buf := make([]byte, n)
			_, err := seg.ReadAt(buf, int64(addr-seg.Addr))
			return buf, err
		}
	}
	return nil, fmt.Errorf("address 0x%x+%d not in the file", addr, n)
}

func (x *machoExe) textSection() (uint64, bool) {
	if s := x.f.Section("__text"); s != nil {
		return s.Addr, true
	}
	return 0, false
}

func (x *machoExe) dwarf() (*dwarf.Data, error) { return x.f.DWARF() }
func (x *machoExe) order() binary.ByteOrder     { return x.f.ByteOrder }
func (x *machoExe) relocate(uint64, []byte) int { return 0 }
func (x *machoExe) ptrSize() int {
	if x.f.Magic == macho.Magic64 {
		return 8
	}
	return 4
}

func typeName(t dwarf.Type) string {
	if st, ok := t.(*dwarf.StructType); ok && st.StructName != "" {
		return st.StructName
	}
	return t.String()
}
