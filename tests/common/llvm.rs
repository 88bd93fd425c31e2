//! A parser for `llvm-readobj`'s default (LLVM-style) output: `Key: value` lines, `Key {`
//! objects and `Key [ (0x..)` lists, nested. Keys repeat (`Symbol:` in an `Import`), so a
//! node keeps its children in order.

/// One line of the output and what it opens.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// Text before `: ` (or the whole line for a list item, or before ` {` / ` [`).
    pub key: String,
    /// Text after `: `, or what follows `[` on a list's line (`(0x22)`).
    pub value: String,
    /// Lines inside `{ }` or `[ ]`.
    pub children: Vec<Node>,
}

impl Node {
    /// The first child with this key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.key == key)
    }

    /// The value of the first child with this key (panics when missing).
    pub fn val(&self, key: &str) -> &str {
        &self
            .get(key)
            .unwrap_or_else(|| panic!("llvm-readobj: no {key} in {}", self.key))
            .value
    }

    /// Every child with this key.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.key == key)
    }

    /// A number: decimal, `0x` hex, or the hex in the last `(0x..)` of the value
    /// (`IMAGE_FILE_MACHINE_AMD64 (0x8664)`, `1970-01-01 00:00:00 (0x0)`).
    pub fn num(&self, key: &str) -> u64 {
        parse_num(self.val(key)).unwrap_or_else(|| panic!("{key}: not a number: {}", self.val(key)))
    }

    /// The names of a flags list (`IMAGE_FILE_EXECUTABLE_IMAGE (0x2)` -> the name).
    pub fn flag_names(&self, key: &str) -> Vec<String> {
        self.get(key)
            .map(|n| {
                n.children
                    .iter()
                    .map(|c| {
                        c.key
                            .rsplit_once(" (")
                            .map_or(c.key.clone(), |x| x.0.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The value of a flags list's head (`[ (0x22)` -> 0x22).
    pub fn flag_value(&self, key: &str) -> u64 {
        parse_num(&self.get(key).unwrap_or_else(|| panic!("no {key}")).value).unwrap()
    }
}

/// A number as llvm-readobj prints one.
pub fn parse_num(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x") {
        return u64::from_str_radix(h, 16).ok();
    }
    if let Ok(v) = s.parse() {
        return Some(v);
    }
    let open = s.rfind("(0x")?;
    let close = s[open..].find(')')? + open;
    u64::from_str_radix(&s[open + 3..close], 16).ok()
}

/// Parse the whole output; the root's children are the top-level lines.
pub fn parse(text: &str) -> Node {
    let mut stack = vec![Node::default()];
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line == "}" || line == "]" {
            if stack.len() > 1 {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            continue;
        }
        if let Some(k) = line.strip_suffix(" {") {
            stack.push(Node {
                key: k.to_string(),
                ..Default::default()
            });
            continue;
        }
        if line == "{" {
            stack.push(Node::default());
            continue;
        }
        if let Some((k, rest)) = line.split_once(" [") {
            if !k.contains(": ") {
                stack.push(Node {
                    key: k.to_string(),
                    value: rest.trim().to_string(),
                    ..Default::default()
                });
                continue;
            }
        }
        let (key, value) = match line.split_once(": ") {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => match line.strip_suffix(':') {
                Some(k) => (k.to_string(), String::new()),
                None => (line.to_string(), String::new()),
            },
        };
        stack.last_mut().unwrap().children.push(Node {
            key,
            value,
            children: Vec::new(),
        });
    }
    while stack.len() > 1 {
        let done = stack.pop().unwrap();
        stack.last_mut().unwrap().children.push(done);
    }
    stack.pop().unwrap()
}
