# The hierarchy test of policy.rego as string prefixes: the straightforward
# reading of docs/decision-procedure.md ("account" covers "account.phone");
# every rule is scanned.
package lawful

import rego.v1

covers_category(prefix, name) if covers(prefix, name)

covers_purpose(prefix, name) if covers(prefix, name)

covers(prefix, _) if prefix == "*"

covers(prefix, name) if prefix == name

covers(prefix, name) if startswith(name, concat("", [prefix, "."]))

permit_rules := data.lawful.permits

deny_rules := data.lawful.denies
