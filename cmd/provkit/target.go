package main

import (
	"flag"
	"fmt"
	"strings"
)

// targetFlags are the flags naming a target that test and simulate share,
// each with its environment variable.
type targetFlags struct {
	target, token        string
	adminURL, adminToken string
}

// register adds the four flags to fs; targetUse and adminUse describe the
// target and the admin API for this command, none what runs without a target.
func (t *targetFlags) register(fs *flag.FlagSet, targetUse, none, adminUse string) {
	fs.StringVar(&t.target, "target", "", targetUse+" (default: $"+targetEnv+"; none: "+none+")")
	fs.StringVar(&t.token, "token", "", "bearer `token` of the target (default: $"+tokenEnv+")")
	fs.StringVar(&t.adminURL, "admin-url", "", adminUse+" (default: $"+adminURLEnv+")")
	fs.StringVar(&t.adminToken, "admin-token", "", "admin API bearer `token` (default: $"+targetAdminTokenEnv+")")
}

// fromEnv fills the target flags not given on the command line from the
// environment, and checks that a token or an admin URL comes with a target.
func (t *targetFlags) fromEnv(fs *flag.FlagSet, getenv env) error {
	for _, p := range []struct {
		v          *string
		flag, name string
	}{
		{&t.target, "target", targetEnv}, {&t.token, "token", tokenEnv},
		{&t.adminURL, "admin-url", adminURLEnv}, {&t.adminToken, "admin-token", targetAdminTokenEnv},
	} {
		if !flagSet(fs, p.flag) && *p.v == "" {
			*p.v = getenv(p.name)
		}
	}
	if flagSet(fs, "target") && strings.TrimSpace(t.target) == "" {
		return fmt.Errorf("--target is empty (an unset CI variable?): give the SCIM base URL, or leave --target out to use the bundled reference")
	}
	if t.target == "" && (flagSet(fs, "token") || flagSet(fs, "admin-url")) {
		return fmt.Errorf("--token and --admin-url need --target")
	}
	if t.target == "" {
		for _, name := range []string{tokenEnv, adminURLEnv, targetAdminTokenEnv} {
			if getenv(name) != "" {
				return fmt.Errorf("$%s is set but no target is given ($%s is empty or unset): give the target, or unset $%s to use the bundled reference", name, targetEnv, name)
			}
		}
	}
	return nil
}
