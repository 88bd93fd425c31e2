//! `readelf -hlSdW` as binutils prints it (the `readelf-hlSdW.txt` golden files): the file
//! header, the section table, the program headers, the interpreter, the section-to-segment
//! mapping and the dynamic section, as rows of readelf's own spellings.

#[derive(Debug, Default)]
pub struct Readelf {
    pub header: Vec<(String, String)>,
    pub sections: Vec<Vec<String>>,
    pub phdrs: Vec<Vec<String>>,
    pub interp: Option<String>,
    pub mapping: Vec<Vec<String>>,
    pub dynamic: Vec<(u64, String, String)>,
}

pub fn parse_readelf(text: &str) -> Readelf {
    let mut r = Readelf::default();
    #[derive(PartialEq)]
    enum Part {
        None,
        Header,
        Sections,
        Phdrs,
        Mapping,
        Dynamic,
    }
    let mut part = Part::None;
    for line in text.lines() {
        if line.starts_with("ELF Header:") {
            part = Part::Header;
            continue;
        }
        if line.starts_with("Section Headers:") {
            part = Part::Sections;
            continue;
        }
        if line.starts_with("Program Headers:") {
            part = Part::Phdrs;
            continue;
        }
        if line.contains("Section to Segment mapping:") {
            part = Part::Mapping;
            continue;
        }
        if line.starts_with("Dynamic section at offset") {
            part = Part::Dynamic;
            continue;
        }
        if line.starts_with("Key to Flags:") || line.trim().is_empty() {
            if part != Part::Header {
                part = Part::None;
            }
            continue;
        }
        match part {
            Part::Header => {
                if let Some((k, v)) = line.split_once(':') {
                    r.header.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
            Part::Sections => {
                let Some(rest) = line.trim_start().strip_prefix('[') else {
                    continue;
                };
                let Some((idx, rest)) = rest.split_once(']') else {
                    continue;
                };
                let idx = idx.trim();
                if idx == "Nr" {
                    continue;
                }
                let mut toks: Vec<String> = rest.split_whitespace().map(String::from).collect();
                if idx == "0" {
                    toks.insert(0, String::new());
                }
                // name type addr off size es [flg] lk inf al
                if toks.len() == 9 {
                    toks.insert(6, String::new());
                }
                toks.insert(0, idx.to_string());
                r.sections.push(toks);
            }
            Part::Phdrs => {
                let t = line.trim();
                if t.starts_with("Type") {
                    continue;
                }
                if let Some(i) = t.strip_prefix("[Requesting program interpreter: ") {
                    r.interp = Some(i.trim_end_matches(']').to_string());
                    continue;
                }
                let toks: Vec<&str> = t.split_whitespace().collect();
                let n = toks.len();
                let flags: String = toks[6..n - 1].concat();
                let mut row: Vec<String> = toks[..6].iter().map(|s| s.to_string()).collect();
                row.push(flags);
                row.push(toks[n - 1].to_string());
                r.phdrs.push(row);
            }
            Part::Mapping => {
                let t = line.trim();
                if t.starts_with("Segment") {
                    continue;
                }
                let mut toks = t.split_whitespace();
                toks.next();
                r.mapping.push(toks.map(String::from).collect());
            }
            Part::Dynamic => {
                let t = line.trim();
                if !t.starts_with("0x") {
                    continue;
                }
                let (tag, rest) = t.split_once(' ').unwrap();
                let rest = rest.trim();
                let (name, value) = rest.split_once(')').unwrap();
                r.dynamic.push((
                    super::hex(tag),
                    name.trim_start_matches('(').to_string(),
                    value.trim().to_string(),
                ));
            }
            Part::None => {}
        }
    }
    r
}

pub fn header_field<'a>(r: &'a Readelf, key: &str) -> &'a str {
    r.header
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("readelf header has no {key}"))
}

/// One row of readelf's section table, the columns the relocation tests use.
pub struct Section {
    pub name: String,
    pub addr: u64,
    pub size: u64,
    pub ty: String,
    pub flags: String,
}

impl Readelf {
    /// The section table without the null section (index 0) and without rows whose
    /// columns could not be told apart.
    pub fn section_rows(&self) -> Vec<Section> {
        // Rows are [Nr, Name, Type, Address, Off, Size, ES, Flg, Lk, Inf, Al].
        self.sections
            .iter()
            .filter(|r| r.len() == 11 && r[0] != "0")
            .map(|r| Section {
                name: r[1].clone(),
                addr: super::hex(&r[3]),
                size: super::hex(&r[5]),
                ty: r[2].clone(),
                flags: r[7].clone(),
            })
            .collect()
    }
}
