//! Whether a record's subject is an adult or a child, as the retention and
//! rights entry points need it: only the answer, not the age sources.

use crate::vocab::vocabulary;

vocabulary! {
    /// Whether the subject of a record or a rights request is a child.
    ///
    /// For a record, this is the subject's age group when the data was
    /// **collected**: data collected from a child stays a child's data after
    /// the child grows up (GDPR art. 17(1)(f); CAC-2019 arts. 20 and 23).
    /// Children's data is always deleted, never anonymized (CAC-2019 arts. 20, 23).
    ///
    /// `Unknown` is never read as `Adult` (adulthood is never
    /// presumed): where the answer changes an outcome, an unknown age is
    /// treated like a child's, since deleting satisfies every disposal.
    ///
    /// # Example
    ///
    /// ```
    /// use lawful::policy::Disposal;
    /// use lawful::subject::AgeGroup;
    ///
    /// assert_eq!("child".parse::<AgeGroup>()?, AgeGroup::Child);
    /// assert_eq!(AgeGroup::Unknown.disposal(Disposal::DeleteOrAnonymize), Disposal::Delete);
    /// assert_eq!(AgeGroup::Adult.disposal(Disposal::DeleteOrAnonymize), Disposal::DeleteOrAnonymize);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub enum AgeGroup as "age group" {
        /// At or above the jurisdiction's child age.
        Adult = "adult",
        /// Below the jurisdiction's child age (CN: 14; EU: 13 to 16).
        Child = "child",
        /// No age source: treated as a child wherever that is the stricter reading.
        Unknown = "unknown",
    }
}

impl AgeGroup {
    /// How data of this subject is disposed of when the policy's disposal
    /// for adults is `adult`: children's data, and data of a subject of
    /// unknown age, is always deleted (CAC-2019 arts. 20, 23; adulthood is never presumed).
    pub const fn disposal(self, adult: crate::retention::Disposal) -> crate::retention::Disposal {
        match self {
            AgeGroup::Adult => adult,
            AgeGroup::Child | AgeGroup::Unknown => crate::retention::Disposal::Delete,
        }
    }

    /// The group of a subject who is a child (`Some(true)`), an adult
    /// (`Some(false)`) or of unknown age (`None`), as `decide()` reads them.
    pub(crate) const fn from_child(child: Option<bool>) -> AgeGroup {
        match child {
            Some(true) => AgeGroup::Child,
            Some(false) => AgeGroup::Adult,
            None => AgeGroup::Unknown,
        }
    }

    /// `Some(true)` for a child, `Some(false)` for an adult, `None` when
    /// unknown: the shape rules' `subjects` scopes match against.
    pub(crate) const fn child(self) -> Option<bool> {
        match self {
            AgeGroup::Adult => Some(false),
            AgeGroup::Child => Some(true),
            AgeGroup::Unknown => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use chrono::DateTime;

    use super::*;
    use crate::engine::Engine;
    use crate::retention::Disposal;
    use crate::subject::Subject;

    #[test]
    fn only_adults_data_may_be_anonymized() {
        for group in AgeGroup::ALL {
            let disposal = group.disposal(Disposal::DeleteOrAnonymize);
            assert_eq!(
                disposal == Disposal::DeleteOrAnonymize,
                *group == AgeGroup::Adult,
                "{group}"
            );
            assert_eq!(group.disposal(Disposal::Delete), Disposal::Delete);
        }
    }

    #[test]
    fn age_group_follows_the_jurisdiction() {
        let engine = Engine::builtin();
        let at = DateTime::parse_from_rfc3339("2026-06-01T10:00:00+08:00").unwrap();
        let born = NaiveDate::from_ymd_opt(2011, 1, 1).unwrap(); // 15
        let cn = Subject::new().birth_date(born);
        assert_eq!(engine.age_group(&cn, at), AgeGroup::Adult);
        let de = cn.clone().jurisdiction(engine.jurisdiction("DE").unwrap());
        assert_eq!(engine.age_group(&de, at), AgeGroup::Child);
    }
}
