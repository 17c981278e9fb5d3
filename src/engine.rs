//! The engine: a compiled policy and the entry points hosts call.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, FixedOffset};

use crate::category::{Category, CategoryId};
use crate::decision::Decision;
use crate::decision::decide::decide;
use crate::decision::request::Request;
use crate::error::{Diagnostic, DiagnosticKind, LoadError, NameError, NameKind, Source, Warnings};
use crate::policy::{LoadOptions, Policy, Rule, RuleId};
use crate::purpose::{Purpose, PurposeId};
use crate::retention::{Disposal, Period};
use crate::subject::Regime;
use crate::subject::age_group::AgeGroup;
use crate::subject::region::RegionCode;
use crate::subject::{Jurisdiction, JurisdictionId, Subject, assess};

/// Reads at most `max + 1` bytes of a file as UTF-8 text: `None` when there
/// are more than `max` bytes.
fn read_bounded(path: &Path, max: usize) -> std::io::Result<Option<String>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes)?;
    if bytes.len() > max {
        return Ok(None);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// The seed policy, embedded.
const BUILTIN: &str = include_str!("../policies/default.toml");

/// The privacy policy text the seed policy encodes (linked only into the
/// programs that ask for it).
const SEED_TEXT: &str = include_str!("../policies/seed-policy.txt");

/// A compiled policy that decides requests.
///
/// An `Engine` is immutable, `Send + Sync`, and cheap to share with [`Arc`].
/// [`Engine::decide`] is a pure function of the policy and the request: the
/// time of processing is in the request, and the engine never reads the
/// clock or the environment.
///
/// # Example: the built-in seed policy
///
/// ```
/// use chrono::DateTime;
/// use lawful::{Action, Engine, Evidence, Request};
///
/// let engine = Engine::builtin();
/// let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
/// let request = Request::new(Action::Collect, engine.purpose("service.browse")?, at)
///     .category(engine.category("account.phone")?);
/// let decision = engine.decide(&request);
/// assert!(!decision.is_permit()); // browsing needs no account data
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Engine {
    policy: Policy,
}

impl Engine {
    /// Loads a policy from TOML text.
    ///
    /// # Errors
    ///
    /// Every problem in the policy, at once, each with line, column, caret
    /// and hint (see [`LoadError`]).
    ///
    /// # Example: a one-rule policy
    ///
    /// ```
    /// let engine = lawful::Engine::from_toml(r#"
    /// [policy]
    /// id = "tiny"
    /// version = "1"
    /// home_jurisdiction = "CN"
    /// storage_region = "CN"
    ///
    /// [[jurisdiction]]
    /// code = "CN"
    /// child_age = 14
    /// utc_offset = "+08:00"
    ///
    /// [[category]]
    /// name = "account.email"
    /// identifying = true
    ///
    /// [[purpose]]
    /// name = "newsletter"
    ///
    /// [[permit]]
    /// id = "newsletter"
    /// clause = "Newsletter"
    /// actions = ["collect", "use"]
    /// purposes = ["newsletter"]
    /// categories = ["account.email"]
    /// bases = ["consent"]
    /// retention = "until_consent_withdrawn"
    /// "#)?;
    /// assert_eq!(engine.policy_id(), "tiny");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_toml(text: &str) -> Result<Engine, LoadError> {
        Engine::from_named_toml("<policy>", text)
    }

    /// Loads a policy from TOML text within `options`' limits (the other
    /// loaders use [`LoadOptions::new`]'s defaults).
    ///
    /// # Errors
    ///
    /// As [`Engine::from_toml`]; a policy past a limit has a diagnostic of
    /// kind [`DiagnosticKind::TooLarge`] naming it.
    pub fn from_toml_with(text: &str, options: LoadOptions) -> Result<Engine, LoadError> {
        Engine::from_named_toml_with("<policy>", text, options)
    }

    /// Loads a policy from TOML text, naming it (a path) in diagnostics.
    ///
    /// # Errors
    ///
    /// As [`Engine::from_toml`].
    pub fn from_named_toml(name: &str, text: &str) -> Result<Engine, LoadError> {
        Engine::from_named_toml_with(name, text, LoadOptions::new())
    }

    /// [`Engine::from_named_toml`] within `options`' limits.
    ///
    /// # Errors
    ///
    /// As [`Engine::from_toml_with`].
    pub fn from_named_toml_with(
        name: &str,
        text: &str,
        options: LoadOptions,
    ) -> Result<Engine, LoadError> {
        Policy::load(name, text, options).map(|policy| Engine { policy })
    }

    /// Loads a policy file.
    ///
    /// # Errors
    ///
    /// When the file cannot be read (one `Io` diagnostic), or as
    /// [`Engine::from_toml`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Engine, LoadError> {
        Engine::from_path_with(path, LoadOptions::new())
    }

    /// Loads a policy file within `options`' limits. At most one byte more
    /// than [`LoadOptions::max_bytes`] is read: a larger file (or
    /// `/dev/zero`) is refused without reading it whole.
    ///
    /// # Errors
    ///
    /// As [`Engine::from_path`] and [`Engine::from_toml_with`].
    pub fn from_path_with(
        path: impl AsRef<Path>,
        options: LoadOptions,
    ) -> Result<Engine, LoadError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        match read_bounded(path, options.bytes_limit()) {
            Ok(Some(text)) => Engine::from_named_toml_with(&name, &text, options),
            Ok(None) => Err(LoadError::too_large(&name, options.bytes_limit())),
            Err(e) => {
                let source = Arc::new(Source {
                    name: name.as_str().into(),
                    text: "".into(),
                });
                let message = format!("cannot read policy file `{name}`: {}", io_message(&e));
                Err(LoadError::new(
                    source,
                    vec![Diagnostic::new(DiagnosticKind::Io, 0..0, message)],
                ))
            }
        }
    }

    /// The built-in seed policy (`policies/default.toml`), parsed once.
    ///
    /// # Panics
    ///
    /// Never: the embedded policy is fixed at build time, and the test
    /// suite loads it and asserts it has no diagnostics.
    pub fn builtin() -> &'static Engine {
        static BUILTIN_ENGINE: OnceLock<Engine> = OnceLock::new();
        BUILTIN_ENGINE.get_or_init(|| {
            #[expect(
                clippy::expect_used,
                reason = "the embedded policy is fixed at build time and loaded by the test suite"
            )]
            // INVARIANT: `tests` load BUILTIN and assert it has no diagnostics.
            Engine::from_named_toml("policies/default.toml", BUILTIN)
                .expect("the built-in policy loads")
        })
    }

    /// The text of the built-in seed policy.
    pub fn builtin_source() -> &'static str {
        BUILTIN
    }

    /// The privacy policy, in words, that the built-in policy encodes
    /// (`policies/seed-policy.txt`): the text its rules' clauses cite by
    /// heading (`How do we collect and use personal information /
    /// Registration and login`), for showing a clause's own words.
    ///
    /// # Example: every rule cites a heading of the text
    ///
    /// ```
    /// use lawful::Engine;
    ///
    /// let text = Engine::builtin_policy_text();
    /// let rule = Engine::builtin().rule_named("registration").ok_or("no rule")?;
    /// let heading = rule.clause().rsplit(" / ").next().ok_or("no clause")?;
    /// assert!(text.contains(heading));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn builtin_policy_text() -> &'static str {
        SEED_TEXT
    }

    /// Decides a request: permit or deny, the basis, the obligations and the
    /// reasons. Never fails, never allocates; anything it cannot judge is a deny.
    #[inline]
    pub fn decide(&self, request: &Request) -> Decision {
        decide(&self.policy, request)
    }

    /// [`Engine::decide`] into a decision the host keeps: what `decision`
    /// held is replaced by the decision of `request`, the same answer
    /// `decide` returns. Nothing is copied out: a host that decides in a
    /// loop, or keeps its decision in a larger structure, writes it where
    /// it lives (a decision is a few hundred bytes). Never fails, never
    /// allocates.
    ///
    /// ```
    /// use chrono::{DateTime, NaiveDate};
    /// use lawful::{Action, Decision, Engine, Evidence, Request, Subject};
    ///
    /// let engine = Engine::builtin();
    /// let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
    /// let adult = Subject::new().birth_date(NaiveDate::from_ymd_opt(1990, 1, 1).ok_or("date")?);
    /// let request = Request::new(Action::Collect, engine.purpose("account.registration")?, at)
    ///     .category(engine.category("account.phone")?)
    ///     .subject(adult)
    ///     .evidence(Evidence::new().contract());
    ///
    /// // One decision, kept by the host and written again for each request.
    /// let mut decision = Decision::default();
    /// engine.decide_into(&request, &mut decision);
    /// assert!(decision.is_permit());
    /// assert_eq!(decision, engine.decide(&request));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn decide_into(&self, request: &Request, decision: &mut Decision) {
        *decision = Decision::new();
        crate::decision::decide::decide_in_place(&self.policy, request, None, decision);
    }

    /// The engine with no provision passes (tests of counsel's tools only).
    #[cfg(all(test, feature = "json"))]
    pub(crate) fn labels_only(mut self) -> Engine {
        self.policy.labels_only = true;
        self
    }

    /// The engine without `decide()`'s shortcuts (tests only: see
    /// `Policy::no_shortcuts`).
    #[cfg(all(test, feature = "json"))]
    pub(crate) fn without_shortcuts(mut self) -> Engine {
        self.policy.no_shortcuts = true;
        self
    }

    /// The engine merging covering lists in every slot (tests only).
    #[cfg(all(test, feature = "json"))]
    pub(crate) fn merging_every_slot(mut self) -> Engine {
        self.policy.merge_every_slot = true;
        self
    }

    /// [`Engine::decide`] as if `regime` alone of the regimes that apply
    /// governed the request (counsel's tools: a second regime only closes).
    #[cfg(feature = "json")]
    pub(crate) fn decide_under(&self, request: &Request, regime: Regime) -> Decision {
        crate::decision::decide::decide_under(&self.policy, request, Some(regime))
    }

    /// Resolves a category name.
    ///
    /// # Errors
    ///
    /// When the policy has no such category (with a did-you-mean hint).
    pub fn category(&self, name: &str) -> Result<CategoryId, NameError> {
        self.policy
            .category_tree
            .lookup(name)
            .map(|index| CategoryId::of_engine(index, self.policy.tag))
            .ok_or_else(|| {
                NameError::new(NameKind::Category, name, self.policy.category_tree.names())
            })
    }

    /// Resolves a purpose name.
    ///
    /// # Errors
    ///
    /// When the policy has no such purpose (with a did-you-mean hint).
    pub fn purpose(&self, name: &str) -> Result<PurposeId, NameError> {
        self.policy
            .purpose_tree
            .lookup(name)
            .map(|index| PurposeId::of_engine(index, self.policy.tag))
            .ok_or_else(|| {
                NameError::new(NameKind::Purpose, name, self.policy.purpose_tree.names())
            })
    }

    /// Resolves a jurisdiction code (`CN`, `FR`).
    ///
    /// # Errors
    ///
    /// When the policy has no such jurisdiction.
    pub fn jurisdiction(&self, code: &str) -> Result<JurisdictionId, NameError> {
        let found = RegionCode::new(code)
            .ok()
            .and_then(|code| self.policy.jurisdictions.iter().find(|j| j.code == code));
        found.map(Jurisdiction::id).ok_or_else(|| {
            NameError::new(
                NameKind::Jurisdiction,
                code,
                self.policy.jurisdictions.iter().map(|j| j.code.as_str()),
            )
        })
    }

    /// The policy's id.
    pub fn policy_id(&self) -> &str {
        &self.policy.id
    }

    /// The policy's version.
    pub fn policy_version(&self) -> &str {
        &self.policy.version
    }

    /// The policy's title.
    pub fn policy_title(&self) -> Option<&str> {
        self.policy.title.as_deref()
    }

    /// The region where data must be stored.
    pub fn storage_region(&self) -> RegionCode {
        self.policy.storage_region
    }

    /// The regimes that govern the data of people who were in `region`
    /// when it was collected: by where the handler is established, where
    /// the policy keeps data, and whom it targets (never by nationality).
    ///
    /// # Example: the built-in policy governs a French user's data by both laws
    ///
    /// ```
    /// use lawful::Engine;
    /// use lawful::subject::Regime;
    ///
    /// let engine = Engine::builtin();
    /// let regimes = engine.regimes_for("FR".parse()?);
    /// assert_eq!(regimes, vec![Regime::Pipl, Regime::Gdpr]);
    /// assert_eq!(engine.regimes_for("CN".parse()?), vec![Regime::Pipl]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn regimes_for(&self, region: RegionCode) -> Vec<Regime> {
        self.policy
            .scope
            .regimes(region, self.policy.storage_region, false)
            .iter()
            .collect()
    }

    /// Whether the policy's adequacy table (GDPR art. 45) covers a transfer
    /// to `region` on the day `on`, to a recipient that is or is not
    /// certified under the EU-US Data Privacy Framework and names the
    /// sector `scope` (for decisions covering part of a country).
    ///
    /// # Example: Japan's private sector, and the United States for certified organisations only
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use lawful::Engine;
    ///
    /// let engine = Engine::builtin();
    /// let on = NaiveDate::from_ymd_opt(2026, 12, 7).ok_or("date")?;
    /// assert!(engine.adequacy_holds("JP".parse()?, on, false, Some("private_sector")));
    /// assert!(!engine.adequacy_holds("US".parse()?, on, false, None));
    /// assert!(engine.adequacy_holds("US".parse()?, on, true, None));
    /// assert!(!engine.adequacy_holds("IN".parse()?, on, false, None));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn adequacy_holds(
        &self,
        region: RegionCode,
        on: chrono::NaiveDate,
        dpf_certified: bool,
        scope: Option<&str>,
    ) -> bool {
        self.policy.adequacy.holds(region, on, dpf_certified, scope)
    }

    /// A regime's own children's threshold, where no member state's applies:
    /// PIPL's (14, or the policy's mainland jurisdiction's), the GDPR's
    /// art. 8 default (16).
    pub fn regime_child_age(&self, regime: Regime) -> u8 {
        match regime {
            Regime::Pipl => self.policy.scope.pipl_child.age,
            Regime::Gdpr => self.policy.scope.gdpr_child.age,
        }
    }

    /// The home jurisdiction (subjects without one are judged by it).
    pub fn home_jurisdiction(&self) -> &Jurisdiction {
        self.policy.home_jurisdiction()
    }

    /// A rule by id.
    pub fn rule(&self, id: RuleId) -> Option<&Rule> {
        self.policy.rule(id)
    }

    /// A rule by the id written in the policy.
    pub fn rule_named(&self, name: &str) -> Option<&Rule> {
        self.policy.rules.iter().find(|r| r.id() == name)
    }

    /// Every rule, permits first, in policy order.
    pub fn rules(&self) -> &[Rule] {
        &self.policy.rules
    }

    /// A category by id.
    pub fn category_info(&self, id: CategoryId) -> Option<&Category> {
        self.policy.category(id)
    }

    /// Every category (declared, and the prefixes of declared names).
    pub fn categories(&self) -> &[Category] {
        &self.policy.categories
    }

    /// A purpose by id.
    pub fn purpose_info(&self, id: PurposeId) -> Option<&Purpose> {
        self.policy.purpose(id)
    }

    /// Every purpose.
    pub fn purposes(&self) -> &[Purpose] {
        &self.policy.purposes
    }

    /// A jurisdiction by id.
    pub fn jurisdiction_info(&self, id: JurisdictionId) -> Option<&Jurisdiction> {
        self.policy.jurisdiction(id)
    }

    /// Every jurisdiction.
    pub fn jurisdictions(&self) -> &[Jurisdiction] {
        &self.policy.jurisdictions
    }

    /// Whether the policy commits to keep the data of subjects within its
    /// storage region there (`localization`).
    pub fn localization(&self) -> bool {
        self.policy.localization
    }

    /// Whether the policy's operator is a critical information
    /// infrastructure operator (`cii_operator`).
    pub fn cii_operator(&self) -> bool {
        self.policy.cii_operator
    }

    /// Days to answer a rights request (`[rights] response_days`).
    pub fn rights_response_days(&self) -> u32 {
        self.policy.rights.response_days
    }

    /// The cap, in months, on answering an EU subject (`eu_response_months`).
    pub fn rights_eu_response_months(&self) -> u32 {
        self.policy.rights.eu_response_months
    }

    /// How many same-kind requests in the window are free (`fee_threshold`).
    pub fn rights_fee_threshold(&self) -> u32 {
        self.policy.rights.fee_threshold
    }

    /// The window repeated requests are counted in (`fee_window`).
    pub fn rights_fee_window(&self) -> Period {
        self.policy.rights.fee_window
    }

    /// How data is disposed of when its retention ends (`[retention] disposal`).
    pub fn retention_disposal(&self) -> Disposal {
        self.policy.retention.disposal
    }

    /// How long backups may keep deleted data (`backup_lag`).
    pub fn retention_backup_lag(&self) -> Period {
        self.policy.retention.backup_lag
    }

    /// The name the policy was loaded under (its path, or `<policy>`).
    pub fn policy_source_name(&self) -> &str {
        &self.policy.source.name
    }

    /// The policy's TOML text.
    pub fn policy_source(&self) -> &str {
        &self.policy.source.text
    }

    /// What loaded but deserves a reviewer's eye, in source order: for
    /// example each permit rule with `unknown_age = "adult"`. Empty for a
    /// policy with nothing to warn about.
    ///
    /// ```
    /// let engine = lawful::Engine::builtin();
    /// let warning = &engine.warnings()[0];
    /// assert_eq!(warning.kind(), lawful::policy::DiagnosticKind::UnknownAgeAsAdult);
    /// assert_eq!(warning.message(), "rule `browse` decides a subject of unknown age as an adult");
    /// ```
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.policy.warnings
    }

    /// The warnings rendered against the policy's text, like a
    /// [`LoadError`]'s errors but labelled `warning:` (what `lawful check`
    /// prints).
    ///
    /// ```
    /// let engine = lawful::Engine::builtin();
    /// let text = engine.render_warnings().to_string();
    /// assert!(text.starts_with("warning: rule `browse` decides a subject of unknown age as an adult\n"));
    /// assert!(text.contains("unknown_age = \"adult\""));
    /// ```
    pub fn render_warnings(&self) -> Warnings<'_> {
        Warnings::new(&self.policy.source, &self.policy.warnings)
    }

    /// The compiled policy, for the crate's other entry points.
    pub(crate) fn policy(&self) -> &Policy {
        &self.policy
    }
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        std::io::ErrorKind::InvalidData => "it is not UTF-8 text".into(),
        _ => e.to_string().to_lowercase(),
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("policy", &self.policy.id)
            .field("version", &self.policy.version)
            .field("rules", &self.policy.rules.len())
            .field("categories", &self.policy.categories.len())
            .field("purposes", &self.policy.purposes.len())
            .finish()
    }
}

impl Engine {
    /// The age group of a subject at an instant, by the rules of
    /// `decide()` (its first step): the younger of the resident id's and
    /// the declared birth date's ages, on the calendar of the subject's
    /// jurisdiction (the home jurisdiction when none is given), against that
    /// jurisdiction's child age. A subject with no valid age source, or
    /// built against another engine, is `Unknown`.
    ///
    /// Pass the collection time for a record (the age group the data was
    /// collected in) and the receipt time for a rights request.
    ///
    /// # Example: a subject who was a child when the data was collected
    ///
    /// ```
    /// use chrono::{DateTime, NaiveDate};
    /// use lawful::{Engine, Subject};
    /// use lawful::subject::AgeGroup;
    ///
    /// let engine = Engine::builtin();
    /// let born = NaiveDate::from_ymd_opt(2016, 5, 10).ok_or("date")?;
    /// let subject = Subject::new().birth_date(born);
    /// let collected = DateTime::parse_from_rfc3339("2026-01-01T10:00:00+08:00")?;
    /// assert_eq!(engine.age_group(&subject, collected), AgeGroup::Child);
    /// assert_eq!(engine.age_group(&Subject::new(), collected), AgeGroup::Unknown);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn age_group(&self, subject: &Subject, at: DateTime<FixedOffset>) -> AgeGroup {
        let policy = self.policy();
        let jurisdiction = match subject.jurisdiction {
            Some(id) => match policy.jurisdiction(id) {
                Some(j) => j,
                None => return AgeGroup::Unknown,
            },
            None => policy.home_jurisdiction(),
        };
        AgeGroup::from_child(assess(subject, jurisdiction, crate::moment::Moment::of(at)).child())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
    }

    #[test]
    fn builtin_policy_loads_without_diagnostics() {
        if let Err(e) = Engine::from_toml(BUILTIN) {
            panic!("{e}");
        }
    }
}
