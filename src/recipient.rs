//! Who receives personal information when it is shared, entrusted,
//! transferred, disclosed or exported.

use std::fmt;

use crate::subject::region::RegionCode;
use crate::vocab::{BitSet, vocabulary};

vocabulary! {
    /// The kind of party that receives data.
    pub enum RecipientKind as "recipient kind" {
        /// Another controller that decides its own purposes.
        ThirdParty = "third_party",
        /// A processor acting on our behalf (entrusted processing).
        Processor = "processor",
        /// The verified guardian of a child: giving them the child's data is
        /// access, not sharing. Only the named grantor of a verified
        /// guardian's consent is the guardian; anyone else so labelled is a
        /// third party.
        Guardian = "guardian",
        /// A court, regulator or other public authority.
        Authority = "authority",
        /// The new holder in a merger, acquisition or asset transfer.
        Acquirer = "acquirer",
        /// The public at large (disclosure).
        Public = "public",
        /// The data subject personally, receiving their own data (access, a
        /// copy, a download): never a provision and never abroad. Accepted
        /// only for purposes the policy marks `to_subject`, and with no name.
        Subject = "subject",
    }
}

/// A set of recipient kinds; rules use it to say whom they allow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct RecipientKinds(BitSet);

impl RecipientKind {
    /// The provision a recipient of this kind makes of data given to it,
    /// whatever the request's label: a third party or an authority is given
    /// it (`share`), a processor entrusted with it (`entrust`), an acquirer
    /// handed it (`transfer`), the public shown it (`disclose`); the
    /// guardian's access is decided as a `share` to the guardian. The
    /// subject receiving their own data is no provision.
    pub(crate) const fn provision(self) -> Option<crate::action::Action> {
        use crate::action::Action;
        match self {
            RecipientKind::ThirdParty | RecipientKind::Authority | RecipientKind::Guardian => {
                Some(Action::Share)
            }
            RecipientKind::Processor => Some(Action::Entrust),
            RecipientKind::Acquirer => Some(Action::Transfer),
            RecipientKind::Public => Some(Action::Disclose),
            RecipientKind::Subject => None,
        }
    }
}

impl RecipientKinds {
    pub(crate) const EMPTY: RecipientKinds = RecipientKinds(BitSet::EMPTY);

    pub(crate) const fn with(self, kind: RecipientKind) -> RecipientKinds {
        RecipientKinds(self.0.with(kind.index()))
    }

    pub(crate) const fn contains(self, kind: RecipientKind) -> bool {
        self.0.contains(kind.index())
    }

    pub(crate) const fn is_subset(self, other: RecipientKinds) -> bool {
        self.0.is_subset(other.0)
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = RecipientKind> {
        RecipientKind::ALL
            .iter()
            .copied()
            .filter(move |k| self.contains(*k))
    }
}

impl FromIterator<RecipientKind> for RecipientKinds {
    fn from_iter<I: IntoIterator<Item = RecipientKind>>(iter: I) -> Self {
        iter.into_iter()
            .fold(RecipientKinds::EMPTY, RecipientKinds::with)
    }
}

/// The name of a recipient, as a consent names it (`Acme`).
///
/// Names are compared exactly (after trimming). A hash computed once at
/// construction lets the engine compare names without walking the strings
/// unless the hashes agree.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RecipientName {
    hash: u64,
    name: Box<str>,
    /// Whether the name shows anything ([`crate::text::visible`]), worked
    /// out once here rather than in every comparison a decision makes.
    visible: bool,
}

impl RecipientName {
    /// Makes a recipient name.
    pub fn new(name: &str) -> RecipientName {
        let name = name.trim();
        RecipientName {
            hash: fnv1a(name.as_bytes()),
            name: name.into(),
            visible: crate::text::visible(name),
        }
    }

    /// Whether the name shows anything: a blank or invisible name names no
    /// one, and matches no other.
    pub(crate) fn is_visible(&self) -> bool {
        self.visible
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// Fast equality: the hashes first, the text only when they agree.
    pub(crate) fn same_as(&self, other: &RecipientName) -> bool {
        self.hash == other.hash && self.name == other.name && self.is_visible()
    }

    /// Equality ignoring letter case: how a withdrawal names whom it ends
    /// (withdrawing must be as easy as consenting: `ACME` withdraws what
    /// was given to `Acme`). A grant still names its recipient exactly.
    pub(crate) fn same_ignoring_case(&self, other: &RecipientName) -> bool {
        self.is_visible()
            && self
                .name
                .chars()
                .flat_map(char::to_lowercase)
                .eq(other.name.chars().flat_map(char::to_lowercase))
    }
}

impl fmt::Debug for RecipientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.name, f)
    }
}

impl fmt::Display for RecipientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl From<&str> for RecipientName {
    fn from(name: &str) -> Self {
        RecipientName::new(name)
    }
}

/// 64-bit FNV-1a: small, deterministic and good enough to skip most string compares.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The party that receives data in a share, entrust, transfer, disclose or
/// export request.
///
/// # Example: an acquirer that accepts the privacy policy
///
/// ```
/// use lawful::Recipient;
/// use lawful::decision::RecipientKind;
///
/// let acquirer = Recipient::new(RecipientKind::Acquirer)
///     .name("NewCo")
///     .accepts_policy(true);
/// assert_eq!(acquirer.kind(), RecipientKind::Acquirer);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub(crate) kind: RecipientKind,
    pub(crate) name: Option<RecipientName>,
    pub(crate) region: Option<RegionCode>,
    pub(crate) accepts_policy: bool,
    pub(crate) security_assessment: bool,
    /// Certified under the EU-US Data Privacy Framework at the time of the
    /// request (the only US recipients an adequacy decision covers).
    pub(crate) dpf_certified: bool,
    /// The sector an adequacy decision with a scope must name
    /// (`private_sector` in Japan, `pipeda` in Canada).
    pub(crate) adequacy_scope: Option<Box<str>>,
    /// An international organisation: outside the EEA's legal order
    /// wherever it sits (GDPR chapter V).
    pub(crate) international_organisation: bool,
}

impl Recipient {
    /// A recipient of the given kind, unnamed, that has not accepted the
    /// policy and has no security assessment (the safe defaults).
    pub fn new(kind: RecipientKind) -> Recipient {
        Recipient {
            kind,
            name: None,
            region: None,
            accepts_policy: false,
            security_assessment: false,
            dpf_certified: false,
            adequacy_scope: None,
            international_organisation: false,
        }
    }

    /// Names the recipient, as consents name it.
    #[must_use]
    pub fn name(mut self, name: &str) -> Recipient {
        // A blank or invisible name is no name: the recipient stays
        // unidentified.
        self.name = Some(RecipientName::new(name)).filter(RecipientName::is_visible);
        self
    }

    /// Where the recipient is.
    #[must_use]
    pub fn region(mut self, region: RegionCode) -> Recipient {
        self.region = Some(region);
        self
    }

    /// Whether the recipient has agreed to stay bound by this privacy policy
    /// (an acquirer, PIPL art. 22).
    #[must_use]
    pub fn accepts_policy(mut self, accepts: bool) -> Recipient {
        self.accepts_policy = accepts;
        self
    }

    /// Whether a security assessment of the recipient has been done (needed
    /// before a child's data goes to anyone but the guardian).
    #[must_use]
    pub fn security_assessment(mut self, done: bool) -> Recipient {
        self.security_assessment = done;
        self
    }

    /// Whether the recipient is certified under the EU-US Data Privacy
    /// Framework at the time of the request: the only US recipients the
    /// adequacy decision for the United States covers.
    #[must_use]
    pub fn dpf_certified(mut self, certified: bool) -> Recipient {
        self.dpf_certified = certified;
        self
    }

    /// The sector of an adequacy decision that covers only part of a
    /// country (`private_sector` for Japan, `pipeda` for Canada).
    #[must_use]
    pub fn adequacy_scope(mut self, scope: &str) -> Recipient {
        self.adequacy_scope = Some(scope.into());
        self
    }

    /// Whether the recipient is an international organisation: a transfer
    /// under the GDPR wherever it sits.
    #[must_use]
    pub fn international_organisation(mut self, is: bool) -> Recipient {
        self.international_organisation = is;
        self
    }

    /// The kind of recipient.
    pub fn kind(&self) -> RecipientKind {
        self.kind
    }

    /// The recipient's name, if given.
    pub fn recipient_name(&self) -> Option<&RecipientName> {
        self.name.as_ref()
    }
}
