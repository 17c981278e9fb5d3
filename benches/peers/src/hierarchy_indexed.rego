# The hierarchy test of policy.rego as look-ups: the host puts, for every
# category and purpose, the set of its ancestors (itself included), and for
# every action its rules in policy order, in the data once
# (data.lawful.within, data.lawful.by_action), as OPA's performance guide
# advises (data over computed strings, look-ups over iteration).
package lawful

import rego.v1

covers_category(prefix, _) if prefix == "*"

covers_category(prefix, name) if data.lawful.within.categories[name][prefix]

covers_purpose(prefix, _) if prefix == "*"

covers_purpose(prefix, name) if data.lawful.within.purposes[name][prefix]

permit_rules := data.lawful.by_action[input.action].permits

deny_rules := data.lawful.by_action[input.action].denies
