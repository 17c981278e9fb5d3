#![allow(clippy::format_push_string, reason = "test fixtures")]
//! Generated policies of a given size and shape, for the load limits tests
//! and `benches/load.rs` (which includes this file).

/// The header every shape starts with: a valid `[policy]` and jurisdiction.
const HEADER: &str = r#"[policy]
id = "generated"
version = "1"
home_jurisdiction = "CN"
storage_region = "CN"

[[jurisdiction]]
code = "CN"
child_age = 14
utc_offset = "+08:00"
"#;

/// The shapes that made loading super-linear.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Shape {
    /// One category whose dotted name has as many segments as fit.
    DeepName,
    /// Many categories of 8 segments each, and a rule naming each.
    ManyNames,
    /// N purposes, N categories and N rules naming `*` for everything.
    StarRules,
    /// One line full of errors, with the CRs of an old Mac editor.
    Errors,
}

impl Shape {
    /// Every shape.
    pub(crate) const ALL: [Shape; 4] = [
        Shape::DeepName,
        Shape::ManyNames,
        Shape::StarRules,
        Shape::Errors,
    ];

    /// Its name, for benchmark ids.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Shape::DeepName => "deep_name",
            Shape::ManyNames => "many_names",
            Shape::StarRules => "star_rules",
            Shape::Errors => "errors",
        }
    }

    /// A policy of this shape of about `size` bytes.
    pub(crate) fn policy(self, size: usize) -> String {
        let mut text = String::from(HEADER);
        match self {
            Shape::DeepName => {
                text.push_str("\n[[category]]\nname = \"a");
                while text.len() + 2 < size {
                    text.push_str(".a");
                }
                text.push_str("\"\n");
            }
            Shape::ManyNames => {
                text.push_str("\n[[purpose]]\nname = \"p\"\n");
                let mut i = 0;
                while text.len() < size {
                    text.push_str(&format!(
                        "\n[[category]]\nname = \"c{i}.s.s.s.s.s.s.x{i}\"\n\n[[permit]]\nid = \"r{i}\"\nclause = \"c\"\nactions = [\"use\"]\npurposes = [\"p\"]\ncategories = [\"c{i}.s.s.s.s.s.s.x{i}\"]\nbases = [\"consent\"]\nretention = \"1y\"\n"
                    ));
                    i += 1;
                }
            }
            Shape::StarRules => {
                // Each of N purposes, categories and rules takes about
                // 30 + 30 + 130 bytes.
                let n = (size.saturating_sub(HEADER.len()) / 190).max(1);
                for i in 0..n {
                    text.push_str(&format!("\n[[purpose]]\nname = \"p{i}\"\n"));
                }
                for i in 0..n {
                    text.push_str(&format!("\n[[category]]\nname = \"c{i}\"\n"));
                }
                for i in 0..n {
                    text.push_str(&format!(
                        "\n[[permit]]\nid = \"r{i}\"\nclause = \"c\"\nactions = [\"*\"]\npurposes = [\"*\"]\ncategories = [\"*\"]\nbases = [\"consent\"]\nretention = \"1y\"\n"
                    ));
                }
            }
            Shape::Errors => {
                text = text.replace('\n', "\r");
                text.push_str("\r[[category]]\rname = \"x\"\rflavour = [");
                while text.len() + 8 < size {
                    text.push_str("1, \"a\", ");
                }
                text.push_str("]\r");
            }
        }
        text
    }
}
