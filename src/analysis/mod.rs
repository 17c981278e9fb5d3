//! Counsel's tools: the whole request space of a policy, decided.
//!
//! A policy is small and [`Engine::decide`](crate::Engine::decide) is fast,
//! so once requests are abstracted into *classes* the space is finite and
//! can be decided exhaustively. This module builds that space
//! ([`Space`]) and runs it ([`Space::explore`]); three uses are built on it:
//!
//! - [`laws`]: properties every decision must have ([`Law`]), built in and
//!   written by counsel in TOML, checked over every class;
//! - [`diff`]: the classes whose decision changes between two policies;
//! - [`record`]: the record of processing activities, with the transfers
//!   abroad the policy actually permits.
//!
//! It uses only the engine's public API: names, rules, flags and
//! vocabularies ([`Action::ALL`], [`RecipientKind::ALL`],
//! [`TransferMechanism::ALL`], [`Regime::ALL`]), never a copy of the
//! decision procedure. Every class is a real [`Request`](crate::Request),
//! and every finding comes with the request document that reproduces it.
//!
//! # Why the classes cover every decision path
//!
//! `decide()` is a function of the policy and of these request fields; each
//! is abstracted into finitely many classes, and two requests in the same
//! class differ only in facts the procedure does not read.
//!
//! - **Action**: every [`Action`], including those no rule names (they must
//!   deny).
//! - **Purpose**: a purpose is read through the rules that name it or an
//!   ancestor (a rule's purposes cover their descendants), through the
//!   purpose flags (`before_guardian_consent`, `hr`, `protective`,
//!   `statutory`), through the `only_for` lists of the categories, and
//!   through the consent scope (which the evidence classes build for the
//!   class's own purpose). Purpose nodes (declared names and their
//!   prefixes) with the same answers to all of these, in every policy
//!   compared, form one class; its first node stands for it
//!   ([`vocabulary`]).
//! - **Categories**: a category is read through what it touches (the flags
//!   of its subtree: sensitive, identifying, unique identifier, device or
//!   log, never provided), its `only_for`, and which rules cover it (a rule
//!   naming an ancestor-or-self) or overlap it (deny rules: a rule naming a
//!   descendant too). Nodes alike in all of these form one class. A request
//!   names every class alone; each device-or-log class also *linked to an
//!   account*, and combined with an identifying category — the combinations
//!   that change whether data is personal. Requests naming several
//!   unrelated categories are not enumerated: their coverage is the
//!   intersection of the bases each category allows and their flags the
//!   union, so each of their ways to fail already fails for one of the
//!   categories alone; that is the one argument here that rests on the
//!   procedure's documented design (DESIGN.md, "How lawful bases combine")
//!   rather than on enumeration.
//! - **Subject**: the jurisdiction is read through its regime, whether it
//!   lies in the storage region, and its child age; jurisdictions alike in
//!   regime and storage form a group, and each group is tried with an
//!   unknown age and with the ages just below and at *every* child age its
//!   first member has in the policies compared (two days from the birthday,
//!   so the birthday convention and the time zone cannot move them; the
//!   exact day is the age module's own tests).
//! - **Evidence**: [`EvidenceClass`]: none; a contract; a legal obligation
//!   under the governing law or a foreign law; an authority's approval; an
//!   emergency ongoing or over; public data in or out of context; a consent
//!   whose scope is exactly the class (purpose, categories, any action, the
//!   recipient by name) by the subject, separate or bundled, withdrawn; by a
//!   verified guardian, separate or bundled; by an unverified guardian; and
//!   contract together with a consent (a child's contract needs the
//!   guardian's; an exemption may need a contract).
//! - **Recipient and region**: no recipient, or each [`RecipientKind`]
//!   named without a region, or named in each region of the region set
//!   (the destination there), with and without accepting the policy
//!   (acquirers); and each of these unnamed. A name can only help (a
//!   consent names its recipient; an unnamed recipient is unidentified), so
//!   the unnamed version is decided where the named one permits; a region
//!   can make a flow abroad, so it is an axis of its own. The region set is the storage
//!   region, one region inside each [`Regime`]'s area and one outside every
//!   area, so each region is inside or outside each area in every way.
//! - **Transfer mechanism**, **security assessment**: facts that can only
//!   lift a deny. They are refined on demand: a class is decided without
//!   them, and when a decision (under either policy) cites
//!   `transfer_mechanism_required` the class is decided again with no
//!   mechanism replaced by each [`TransferMechanism`] alone and by each
//!   paired with the first mechanism of every other regime; when it cites
//!   `security_assessment_required`, again with the assessment done. Each
//!   exemption's condition comes from the other axes (evidence, purpose
//!   flags, category flags, subject regime).
//! - **Retention**: `collected_at` unstated, or so long ago that every
//!   retention period of every rule has run out. Expiry can only deny, so
//!   the expired state is tried for the classes some policy permits.
//! - **Weaker evidence** (an emergency over, public data out of context, a
//!   consent bundled or withdrawn, an unverified guardian): decided where
//!   the stronger evidence permits, as weaker evidence never supports more.
//!
//! Refinements of a mechanism or an assessment are taken where a decision
//! lacks nothing else (its only deny reasons are these), so every permit
//! they can open is found; a class denied for other reasons as well is
//! decided without them.
//!
//! The instant is fixed (`2026-06-01T10:00:00+08:00`, [`Space::at`]); ages,
//! consents and collection dates are placed relative to it.
//!
//! These orderings are assumptions about `decide()`; a test decides a
//! sample of classes with every refinement forced and checks each of them
//! (a permit with a mechanism or an assessment lacks only those without;
//! a permit on weaker evidence, for an unnamed recipient or after expiry
//! is a permit on the stronger, named, unexpired class). If `decide()`
//! changes so that one fails, the test says which class.
//!
//! # Bounds
//!
//! The space is the product of the axes above. When it would exceed
//! [`Options::max_classes`], [`Space::build`] keeps every axis but decides
//! one base class in `n` (a deterministic stride) and says so
//! ([`Space::sampled`]); nothing is silently dropped.

mod class;
pub mod diff;
pub mod laws;
pub mod record;
pub mod reliance;
mod space;
pub mod vocabulary;

pub use class::{EvidenceClass, Flow, RecipientClass, RequestClass, RetentionState, SubjectClass};
pub use diff::{Change, Diff, Outcome};
pub use laws::{Law, LawError, RELATIONS, Relation, Violation};
pub use space::{Options, Related, Space, Stats};

#[cfg(doc)]
use crate::Action;
#[cfg(doc)]
use crate::decision::{RecipientKind, TransferMechanism};
#[cfg(doc)]
use crate::subject::Regime;
