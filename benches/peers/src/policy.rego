# The decision procedure of docs/decision-procedure.md in Rego, over the seed policy's rules
# as data (`data.lawful`, translated from policies/default.toml by rego.rs).
#
# input: the request (docs/wire-format.md) with instants as nanoseconds (`at_ns`,
# `collected_at_ns`, each consent's `given_ns` and `withdrawn_ns`) and the
# host's reading of the subject: `input.subject` is "adult", "child" or
# "unknown".
#
# data.lawful: storage_region; categories (name -> what a request naming it
# touches: sensitive, identifying, unique, and non_personal_alone: device or
# log data that may identify no one on its own); before_guardian_consent
# (purpose names); permits and denies (rules in policy order: id, actions,
# purposes, categories, recipients or null, subjects, requires_known_age,
# bases in order of preference, retention {years, months, days} or null).
package lawful

import rego.v1

result := {"effect": "permit", "basis": basis_out} if permit

else := {"effect": "deny", "basis": null}

basis_out := chosen if {
	input.action != "delete"
	personal
	not acquirer_bound
}

else := null

# Dotted names cover their descendants on segment boundaries; "*" covers
# every name. `covers_category` and `covers_purpose`, and the rules to scan
# (`permit_rules`, `deny_rules`), are defined by the variant loaded beside
# this file: hierarchy_strings.rego (string prefixes, every rule) or
# hierarchy_indexed.rego (each name's ancestors and each action's rules,
# precomputed as data).

# A rule applies to the action, purpose, subject and recipient.
applies(rule) if {
	input.action in rule.actions
	some p in rule.purposes
	covers_purpose(p, input.purpose)
	subject_ok(rule)
	recipient_ok(rule)
}

subject_ok(rule) if rule.subjects == "any"

subject_ok(rule) if rule.subjects == input.subject

recipient_ok(rule) if rule.recipients == null

recipient_ok(rule) if input.recipient.kind in rule.recipients

rule_covers(rule, category) if {
	some k in rule.categories
	covers_category(k, category)
}

# The permit rules that apply, in policy order, and those covering each
# requested category (complete rules: evaluated once per query).
candidates := [rule | some rule in permit_rules; applies(rule)]

covering[c] := [rule | some rule in candidates; rule_covers(rule, c)] if some c in input.categories

# Step 3a: deny rules match any overlap.
denied if {
	some rule in deny_rules
	applies(rule)
	some c in input.categories
	some k in rule.categories
	overlap(k, c)
}

overlap(a, b) if covers_category(a, b)

overlap(a, b) if covers_category(b, a)

# A rule that needs a known age offers nothing when the age is unknown.
offers(rule, basis) if {
	basis in rule.bases
	not age_closed(rule)
}

age_closed(rule) if {
	rule.requires_known_age
	input.subject == "unknown"
}

# Step 3b: every category covered by an applicable rule offering a basis.
covered(category) if {
	some rule in covering[category]
	some b in rule.bases
	offers(rule, b)
}

all_covered if {
	count(input.categories) > 0
	every c in input.categories {
		covered(c)
	}
}

all_covered if {
	count(input.categories) == 0
	count(candidates) > 0
}

# Step 2: personal or not.
flags(c) := data.lawful.categories[c]

personal if {
	count(input.categories) > 0
	some c in input.categories
	not flags(c).non_personal_alone
}

personal if {
	count(input.categories) > 0
	some c in input.categories
	f := flags(c)
	identifying_like(f)
}

personal if {
	count(input.categories) > 0
	input.linked_to_account
}

identifying_like(f) if f.identifying

identifying_like(f) if f.unique

identifying_like(f) if f.sensitive

sensitive if {
	some c in input.categories
	flags(c).sensitive
}

child if input.subject == "child"

# Step 4: the bases acceptable for every category, tried in the rules'
# order of preference.
acceptable contains b if {
	some b in ["consent", "contract", "legal_obligation", "emergency", "public_data"]
	every c in input.categories {
		some rule in covering[c]
		offers(rule, b)
	}
	disclose_allows(b)
}

disclose_allows(b) if input.action != "disclose"

disclose_allows(b) if b in {"legal_obligation", "consent"}

touches_request(rule) if count(input.categories) == 0

touches_request(rule) if {
	some c in input.categories
	rule_covers(rule, c)
}

tries := [b |
	some rule in candidates
	touches_request(rule)
	some b in rule.bases
]

chosen := [b | some b in tries; b in acceptable; holds(b)][0]

holds("contract") if {
	input.evidence.contract
	contract_allowed
}

holds("consent") if {
	some c in input.evidence.consents
	full_scope(c)
	valid(c)
}

holds("legal_obligation") if trim_space(input.evidence.legal_obligation) != ""

holds("emergency") if input.evidence.emergency.ongoing

holds("public_data") if {
	p := input.evidence.public_data
	p.same_context
	not p.subject_refused
	not sensitive
	not child
}

contract_allowed if not child

contract_allowed if input.purpose in data.lawful.before_guardian_consent

contract_allowed if {
	some c in input.evidence.consents
	purpose_in_scope(c)
	valid(c)
}

# A consent that holds at `at`, from the right grantor, separate if needed.
valid(c) if {
	holds_at(c)
	grantor_ok(c)
	separate_ok(c)
}

holds_at(c) if {
	c.given_ns <= input.at_ns
	not c.withdrawn_ns
}

holds_at(c) if {
	c.given_ns <= input.at_ns
	input.at_ns < c.withdrawn_ns
}

grantor_ok(c) if {
	input.subject == "adult"
	c.by == "subject"
}

grantor_ok(c) if {
	child
	c.by == "guardian"
	c.guardian_verified
}

separate_ok(c) if c.separate

separate_ok(c) if not separate_required

separate_required if sensitive

separate_required if child

separate_required if input.action in {"disclose", "export"}

separate_required if {
	input.action == "share"
	not guardian_access
}

separate_required if acquirer_unbound

guardian_access if {
	child
	input.recipient.kind == "guardian"
	some c in input.evidence.consents
	c.by == "guardian"
	c.guardian_verified
	holds_at(c)
}

purpose_in_scope(c) if {
	some p in c.purposes
	covers_purpose(p, input.purpose)
}

full_scope(c) if {
	purpose_in_scope(c)
	every cat in input.categories {
		some k in c.categories
		covers_category(k, cat)
	}
	action_in_scope(c)
	recipient_in_scope(c)
}

action_in_scope(c) if count(c.actions) == 0

action_in_scope(c) if input.action in c.actions

names_recipient if input.action in {"share", "transfer", "export"}

# A consent to share, transfer or export names whom to: an empty list names
# no one. A child's data given to the guardian is access, not provision.
recipient_in_scope(c) if not names_recipient

recipient_in_scope(c) if {
	names_recipient
	input.recipient.kind == "guardian"
}

recipient_in_scope(c) if {
	names_recipient
	input.recipient.name in c.recipients
}

acquirer_bound if {
	input.action == "transfer"
	input.recipient.kind == "acquirer"
	input.recipient.accepts_policy
}

acquirer_unbound if {
	input.action == "transfer"
	input.recipient.kind == "acquirer"
	not input.recipient.accepts_policy
}

# Principle 2: an identified recipient. Share, entrust, transfer and export
# need one; a recipient named at all is named in full (a name and a region),
# except the verified guardian their own consent names, and the public of a
# disclosure. Personal or not.
gives_to_someone if input.action in {"share", "entrust", "transfer", "export"}

unidentified if {
	gives_to_someone
	not input.recipient
}

unidentified if {
	input.recipient
	not named_guardian
	not publication
	not named_in_full
}

named_in_full if {
	trim_space(input.recipient.name) != ""
	input.recipient.region != ""
}

publication if {
	input.recipient.kind == "public"
	input.action == "disclose"
}

named_guardian if {
	input.recipient.kind == "guardian"
	some c in input.evidence.consents
	c.by == "guardian"
	c.guardian_verified
	holds_at(c)
	input.recipient.name in c.recipients
}

# Step 5: the action gates.
gate_fails if {
	input.action == "store"
	input.destination_region != data.lawful.storage_region
}

gate_fails if {
	input.action == "export"
	not input.transfer_mechanism
}

gate_fails if {
	acquirer_unbound
	not chosen == "consent"
}

gate_fails if {
	input.action in {"share", "entrust", "transfer"}
	child
	not guardian_access
	not input.recipient.security_assessment
}

# Step 6: retention of the rule used for each category.
basis_used := chosen if not acquirer_bound

used_rule(c) := [rule | some rule in covering[c]; fits(rule)][0]

fits(rule) if acquirer_bound

fits(rule) if offers(rule, basis_used)

expired if {
	input.action != "delete"
	start := input.collected_at_ns
	some c in input.categories
	p := used_rule(c).retention
	p != null
	input.at_ns >= time.add_date(start, p.years, p.months, p.days)
}

# The decision: any deny wins; deny by default.
# Deletion needs no basis and no rule, unless the data is under a legal hold
# (principle 12; statutory minimums are not modelled).
permit if {
	input.action == "delete"
	not input.legal_hold
}

permit if {
	input.action != "delete"
	not unidentified
	not denied
	all_covered
	not personal
}

permit if {
	input.action != "delete"
	not unidentified
	not denied
	all_covered
	personal
	acquirer_bound
	not gate_fails
	not expired
}

permit if {
	input.action != "delete"
	not unidentified
	not denied
	all_covered
	personal
	not acquirer_bound
	chosen
	not gate_fails
	not expired
}
