package oci

import "fmt"

// Refusal is a config the gatekeeper refuses: the rule, what it says, and
// the concrete field that broke it.
type Refusal struct {
	Rule  int
	Says  string
	Field string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("gatekeeper rule %d (%s): %s", r.Rule, r.Says, r.Field)
}

// The rules' words, as refusals name them.
const (
	rule1 = "CAP_SYS_ADMIN requires privileged mode"
	rule2 = "UID 0 in the container requires a user namespace"
	rule3 = "CAP_NET_ADMIN requires network mode restricted or admin"
	rule4 = "without a user namespace, no_new_privileges must be set"
	rule5 = "needs approval: a threshold of admin signatures on the deploy record"
)

// Judge applies the rules to p; approved says the deploy record carries
// the admins' approval. It returns nil or the first rule broken.
func Judge(p Profile, approved bool) error {
	refuse := func(rule int, says, trait string) error {
		return &Refusal{Rule: rule, Says: says, Field: p.Why[trait]}
	}
	switch {
	case p.Caps.SysAdmin && !p.Privileged:
		return refuse(1, rule1, TraitSysAdmin)
	case p.Root && !p.UserNS:
		return refuse(2, rule2, TraitRoot)
	case p.Caps.NetAdmin && p.Network != NetworkRestricted && p.Network != NetworkAdmin:
		return refuse(3, rule3, TraitNetAdmin)
	case !p.NoNewPrivileges && !p.UserNS:
		return refuse(4, rule4, TraitNoNNP)
	}
	if approved {
		return nil
	}
	for _, need := range []struct {
		has   bool
		trait string
	}{
		{p.Privileged, TraitPrivileged},
		{p.HostNamespaces, TraitHostNS},
		{p.Network == NetworkHost, TraitHostNet},
		{p.HostMounts, TraitHostMounts},
		{p.Caps.SysAdmin, TraitSysAdmin},
		{p.Caps.NetAdmin, TraitNetAdmin},
		{p.Caps.Other, TraitOtherCaps},
	} {
		if need.has {
			return refuse(5, need.trait+" "+rule5, need.trait)
		}
	}
	return nil
}

// NeedsApproval reports whether p is admitted only with approval.
func NeedsApproval(p Profile) bool {
	return Judge(p, false) != nil && Judge(p, true) == nil
}
