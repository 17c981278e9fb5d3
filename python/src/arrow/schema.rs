//! A table's columns checked against a wire document before any row is
//! read: a column the document has no field for, or of a type its field
//! cannot take, is one clear error for the table, not the same deny on
//! every row.
//!
//! Like [`row`](super::row), this names no field. Each column (each leaf of
//! a nested one: `subject.birth_date`, `evidence.consents[].given_at`) is
//! offered alone to the document's own `Deserialize`, as a one-field object
//! holding a sample value of the column's type. The document says whether
//! it knows the field (serde's `deny_unknown_fields`: ``unknown field
//! `colour`, expected one of ...``) and whether it can take that kind of
//! value (``invalid type: integer `0`, expected a string``). Any other
//! complaint (the sample is not a valid date, a required field is missing)
//! is about values, which rows report.

use std::cell::Cell;
use std::fmt;

use arrow_schema::{DataType, Fields};
use serde::de::value::{MapAccessDeserializer, StrDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::row::{ColumnError, MAX_DEPTH};

/// One step from a table's row to a leaf column.
#[derive(Clone, Copy, Debug)]
enum Step<'s> {
    /// A field of an object (a column, or a field of a struct column).
    Field(&'s str),
    /// An element of a list.
    Element,
}

/// Checks every column of `fields` but `skip` against the document `T`.
///
/// # Errors
///
/// The first column `T` has no field for, or whose type its field cannot
/// take, with serde's words for it.
pub(crate) fn check<T: DeserializeOwned>(
    fields: &Fields,
    skip: &[String],
) -> Result<(), ColumnError> {
    let mut leaves = Vec::new();
    for field in fields {
        if skip.iter().any(|s| s == field.name()) {
            continue;
        }
        let mut steps = vec![Step::Field(field.name())];
        collect(field.data_type(), &mut steps, &mut leaves);
    }
    if let Some((steps, _)) = leaves.iter().find(|(steps, _)| steps.len() > MAX_DEPTH) {
        return Err(ColumnError {
            path: path_text(steps, MAX_DEPTH),
            message: format!("nests deeper than {MAX_DEPTH} levels, which no wire document does"),
        });
    }
    for (steps, leaf) in &leaves {
        probe::<T>(steps, leaf)?;
    }
    Ok(())
}

/// The leaves under a column of type `data_type`, reached through `steps`.
fn collect<'s>(
    data_type: &'s DataType,
    steps: &mut Vec<Step<'s>>,
    leaves: &mut Vec<(Vec<Step<'s>>, &'s DataType)>,
) {
    if steps.len() > MAX_DEPTH {
        // Too deep to read: `check` reports it.
        leaves.push((steps.clone(), data_type));
        return;
    }
    match data_type {
        DataType::Struct(children) if !children.is_empty() => {
            for child in children {
                steps.push(Step::Field(child.name()));
                collect(child.data_type(), steps, leaves);
                steps.pop();
            }
        }
        DataType::List(child) | DataType::LargeList(child) => {
            steps.push(Step::Element);
            collect(child.data_type(), steps, leaves);
            steps.pop();
        }
        DataType::Dictionary(_, values) => collect(values, steps, leaves),
        leaf => leaves.push((steps.clone(), leaf)),
    }
}

/// What a probe saw.
#[derive(Default)]
struct Seen {
    /// How many steps the document accepted.
    accepted: Cell<usize>,
    /// Whether the leaf's value was offered, and the document's complaint
    /// about it if it had one.
    leaf: Cell<Option<bool>>,
    leaf_error: Cell<Option<String>>,
}

/// Offers one leaf to `T`; an error when `T` refuses its name or its type.
fn probe<T: DeserializeOwned>(steps: &[Step<'_>], leaf: &DataType) -> Result<(), ColumnError> {
    let seen = Seen::default();
    let result = T::deserialize(Probe {
        steps,
        leaf,
        seen: &seen,
    });
    let path = || path_text(steps, seen.accepted.get() + 1);
    match seen.leaf.get() {
        // The document took the value: later complaints (a missing
        // required field) are not about this column.
        Some(true) => Ok(()),
        // A column of nulls (pyarrow's type for empty lists) holds no value
        // whose type could be wrong.
        Some(false) if matches!(leaf, DataType::Null) => Ok(()),
        Some(false) => match seen.leaf_error.take() {
            Some(message) if message.starts_with("invalid type") => Err(ColumnError {
                path: path_text(steps, steps.len()),
                message: format!(
                    "has the Arrow type {leaf}, which this field cannot take: {message}"
                ),
            }),
            _ => Ok(()),
        },
        None => match result {
            Ok(_) => Ok(()),
            Err(e) => Err(ColumnError {
                path: path(),
                message: format!("is not a field of the document: {e}"),
            }),
        },
    }
}

/// `evidence.consents[].given_at`, the first `count` steps of `steps`.
fn path_text(steps: &[Step<'_>], count: usize) -> String {
    let mut out = String::new();
    for step in steps.iter().take(count) {
        match step {
            Step::Field(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Step::Element => out.push_str("[]"),
        }
    }
    out
}

/// The error of a probe: serde's message.
#[derive(Debug)]
struct ProbeError(String);

impl de::Error for ProbeError {
    fn custom<T: fmt::Display>(msg: T) -> ProbeError {
        ProbeError(msg.to_string())
    }
}

impl std::error::Error for ProbeError {}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A deserializer that is an object of one field, a list of one element,
/// or (at the end of its steps) a sample of the leaf's type.
#[derive(Clone, Copy)]
struct Probe<'p, 's> {
    steps: &'p [Step<'s>],
    leaf: &'p DataType,
    seen: &'p Seen,
}

impl<'de> de::Deserializer<'de> for Probe<'_, '_> {
    type Error = ProbeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        match self.steps.split_first() {
            Some((Step::Field(name), rest)) => visitor.visit_map(OneField {
                name,
                rest: Probe {
                    steps: rest,
                    ..self
                },
                done: false,
            }),
            Some((Step::Element, rest)) => visitor.visit_seq(OneElement {
                rest: Probe {
                    steps: rest,
                    ..self
                },
                done: false,
            }),
            None => self.sample(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        match self.steps.split_first() {
            Some((Step::Field(name), rest)) => {
                visitor.visit_enum(MapAccessDeserializer::new(OneField {
                    name,
                    rest: Probe {
                        steps: rest,
                        ..self
                    },
                    done: false,
                }))
            }
            None if is_text(self.leaf) => {
                self.leaf_result(visitor.visit_enum(StrDeserializer::new("")))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl Probe<'_, '_> {
    /// Offers a value of the leaf's type and records how it was taken.
    fn sample<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        let result = match self.leaf {
            DataType::Boolean => visitor.visit_bool(false),
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                visitor.visit_i64(0)
            }
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
                visitor.visit_u64(0)
            }
            DataType::Float16 | DataType::Float32 | DataType::Float64 => visitor.visit_f64(0.0),
            DataType::Struct(_) => visitor.visit_map(NoFields),
            leaf if is_text(leaf) => visitor.visit_str(""),
            // A null column, or a type rows refuse on their own.
            _ => visitor.visit_unit(),
        };
        self.leaf_result(result)
    }

    fn leaf_result<T>(self, result: Result<T, ProbeError>) -> Result<T, ProbeError> {
        match &result {
            Ok(_) => self.seen.leaf.set(Some(true)),
            Err(e) => {
                self.seen.leaf.set(Some(false));
                self.seen.leaf_error.set(Some(e.0.clone()));
            }
        }
        result
    }
}

/// Whether a leaf is read as a string: text, and dates and instants (which
/// rows write as text).
fn is_text(leaf: &DataType) -> bool {
    matches!(
        leaf,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Date32
            | DataType::Date64
            | DataType::Timestamp(_, _)
    )
}

struct OneField<'p, 's> {
    name: &'s str,
    rest: Probe<'p, 's>,
    done: bool,
}

impl<'de> MapAccess<'de> for OneField<'_, '_> {
    type Error = ProbeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ProbeError> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        let key = seed.deserialize(StrDeserializer::<ProbeError>::new(self.name))?;
        let accepted = &self.rest.seen.accepted;
        accepted.set(accepted.get() + 1);
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ProbeError> {
        seed.deserialize(self.rest)
    }
}

struct OneElement<'p, 's> {
    rest: Probe<'p, 's>,
    done: bool,
}

impl<'de> SeqAccess<'de> for OneElement<'_, '_> {
    type Error = ProbeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ProbeError> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        let accepted = &self.rest.seen.accepted;
        accepted.set(accepted.get() + 1);
        seed.deserialize(self.rest).map(Some)
    }
}

/// An empty object: a struct column without fields.
struct NoFields;

impl<'de> MapAccess<'de> for NoFields {
    type Error = ProbeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        _: K,
    ) -> Result<Option<K::Value>, ProbeError> {
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _: V) -> Result<V::Value, ProbeError> {
        Err(de::Error::custom("no value"))
    }
}
