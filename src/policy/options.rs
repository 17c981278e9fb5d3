//! The bounds a policy must stay within to load, so that no policy text,
//! however large or strange, makes loading take unbounded time or memory.

/// Limits on what a policy may hold, checked while it loads. A policy past
/// one is a load error whose diagnostic names the limit; each default is
/// far beyond any real policy (the built-in one uses under 1% of each).
///
/// ```
/// use lawful::Engine;
/// use lawful::policy::LoadOptions;
///
/// let options = LoadOptions::new().max_bytes(64 * 1024).max_rules(100);
/// assert_eq!(options.rules_limit(), 100);
/// let err = Engine::from_toml_with(&"#".repeat(65 * 1024), options).unwrap_err();
/// assert!(err.to_string().contains("larger than the limit of 65536 bytes"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LoadOptions {
    bytes: usize,
    name_length: usize,
    name_segments: usize,
    rules: usize,
    categories: usize,
    purposes: usize,
    jurisdictions: usize,
    index_entries: usize,
}

impl LoadOptions {
    /// The default size of a policy file: 4 MiB.
    pub const DEFAULT_MAX_BYTES: usize = 4 << 20;
    /// The default length of a category or purpose name: 128 bytes.
    pub const DEFAULT_MAX_NAME_LENGTH: usize = 128;
    /// The default number of dotted segments in a name: 16.
    pub const DEFAULT_MAX_NAME_SEGMENTS: usize = 16;
    /// The default number of rules (permit and deny): 10,000.
    pub const DEFAULT_MAX_RULES: usize = 10_000;
    /// The default number of declared categories: 10,000.
    pub const DEFAULT_MAX_CATEGORIES: usize = 10_000;
    /// The default number of declared purposes: 10,000.
    pub const DEFAULT_MAX_PURPOSES: usize = 10_000;
    /// The default number of declared jurisdictions: 4,096 (every country,
    /// with room for their states and provinces).
    pub const DEFAULT_MAX_JURISDICTIONS: usize = 4_096;
    /// The default size of the rule indexes: 4,000,000 entries (4 bytes
    /// each).
    pub const DEFAULT_MAX_INDEX_ENTRIES: usize = 4_000_000;

    /// The default limits.
    pub const fn new() -> LoadOptions {
        LoadOptions {
            bytes: Self::DEFAULT_MAX_BYTES,
            name_length: Self::DEFAULT_MAX_NAME_LENGTH,
            name_segments: Self::DEFAULT_MAX_NAME_SEGMENTS,
            rules: Self::DEFAULT_MAX_RULES,
            categories: Self::DEFAULT_MAX_CATEGORIES,
            purposes: Self::DEFAULT_MAX_PURPOSES,
            jurisdictions: Self::DEFAULT_MAX_JURISDICTIONS,
            index_entries: Self::DEFAULT_MAX_INDEX_ENTRIES,
        }
    }

    /// The largest policy text, in bytes. A file is read up to one byte past
    /// it, never whole.
    #[must_use]
    pub const fn max_bytes(mut self, bytes: usize) -> LoadOptions {
        self.bytes = bytes;
        self
    }

    /// The longest category or purpose name, in bytes.
    #[must_use]
    pub const fn max_name_length(mut self, bytes: usize) -> LoadOptions {
        self.name_length = bytes;
        self
    }

    /// The most dotted segments in a name (`device.identifier.imei` has 3).
    #[must_use]
    pub const fn max_name_segments(mut self, segments: usize) -> LoadOptions {
        self.name_segments = segments;
        self
    }

    /// The most rules, permit and deny together.
    #[must_use]
    pub const fn max_rules(mut self, rules: usize) -> LoadOptions {
        self.rules = rules;
        self
    }

    /// The most declared categories.
    #[must_use]
    pub const fn max_categories(mut self, categories: usize) -> LoadOptions {
        self.categories = categories;
        self
    }

    /// The most declared purposes.
    #[must_use]
    pub const fn max_purposes(mut self, purposes: usize) -> LoadOptions {
        self.purposes = purposes;
        self
    }

    /// The most declared jurisdictions. A jurisdiction's id is a 16-bit
    /// number, so no setting admits more than 65,535.
    #[must_use]
    pub const fn max_jurisdictions(mut self, jurisdictions: usize) -> LoadOptions {
        self.jurisdictions = jurisdictions;
        self
    }

    /// The most entries in the indexes `decide()` looks rules up in: one per
    /// (action, purpose, rule), and one per (action, purpose, category
    /// named, rule covering it). A rule naming `*` for actions, purposes and
    /// categories adds one entry per combination, so a policy of many such
    /// rules over many purposes and categories can reach it.
    #[must_use]
    pub const fn max_index_entries(mut self, entries: usize) -> LoadOptions {
        self.index_entries = entries;
        self
    }

    /// See [`LoadOptions::max_bytes`].
    pub const fn bytes_limit(&self) -> usize {
        self.bytes
    }

    /// See [`LoadOptions::max_name_length`].
    pub const fn name_length_limit(&self) -> usize {
        self.name_length
    }

    /// See [`LoadOptions::max_name_segments`].
    pub const fn name_segments_limit(&self) -> usize {
        self.name_segments
    }

    /// See [`LoadOptions::max_rules`].
    pub const fn rules_limit(&self) -> usize {
        self.rules
    }

    /// See [`LoadOptions::max_categories`].
    pub const fn categories_limit(&self) -> usize {
        self.categories
    }

    /// See [`LoadOptions::max_purposes`].
    pub const fn purposes_limit(&self) -> usize {
        self.purposes
    }

    /// See [`LoadOptions::max_jurisdictions`]: the setting, at most 65,535.
    pub const fn jurisdictions_limit(&self) -> usize {
        if self.jurisdictions < u16::MAX as usize {
            self.jurisdictions
        } else {
            u16::MAX as usize
        }
    }

    /// See [`LoadOptions::max_index_entries`].
    pub const fn index_entries_limit(&self) -> usize {
        self.index_entries
    }
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions::new()
    }
}
