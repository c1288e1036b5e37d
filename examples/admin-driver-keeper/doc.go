// Package keeperdriver holds provkit's admin driver skeleton for Keeper
// Commander (keeper-admin-driver, a python3 script) and the test of its
// mapping table. The driver was never run against Keeper: there is no Keeper
// account here. See docs/admin-api.md, "Admin drivers".
package keeperdriver
