// An independent SCIM 2.0 server for provkit's peer runs: SCIMMY and
// scimmy-routers on express, with in-memory Users and Groups and a bearer
// token check, written the way a vendor using those packages would. It is not
// part of provkit; testdata/peers/run starts it and tests it.
//
//   node server.js --addr 127.0.0.1:8082 --token secret   (or $PEER_ADDR, $PEER_TOKEN)
//
// The SCIM base URL is http://ADDR/scim/v2.
import crypto from "node:crypto";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

function flag(name, env, def) {
    const i = process.argv.indexOf(`--${name}`);
    if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
    return process.env[env] || def;
}

const addr = flag("addr", "PEER_ADDR", "127.0.0.1:8082");
const token = flag("token", "PEER_TOKEN", "");
if (!token) {
    console.error("scimmy: a token is required (--token or $PEER_TOKEN)");
    process.exit(2);
}
const [host, port] = [addr.slice(0, addr.lastIndexOf(":")), Number(addr.slice(addr.lastIndexOf(":") + 1))];

SCIMMY.Config.set({
    documentationUri: "https://scimmyjs.github.io",
    patch: true,
    filter: 200,
    sort: true,
});

// store keeps one resource type's resources in memory. unique names the
// attribute no two resources may share (compared case-insensitively).
function store(unique) {
    const items = new Map();

    const taken = (value, id) => value !== undefined && [...items.values()]
        .some(r => r.id !== id && String(r[unique]).toLowerCase() === String(value).toLowerCase());

    return {
        ingress(resource, instance) {
            const now = new Date();
            if (resource.id) {
                const existing = items.get(resource.id);
                if (!existing) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
                if (taken(instance[unique], resource.id))
                    throw new SCIMMY.Types.Error(409, "uniqueness", `${unique} is already in use`);
                const updated = {...JSON.parse(JSON.stringify(instance)), id: resource.id,
                    meta: {created: existing.meta.created, lastModified: now}};
                items.set(resource.id, updated);
                return updated;
            }
            if (taken(instance[unique]))
                throw new SCIMMY.Types.Error(409, "uniqueness", `${unique} is already in use`);
            const id = crypto.randomUUID();
            const created = {...JSON.parse(JSON.stringify(instance)), id, meta: {created: now, lastModified: now}};
            items.set(id, created);
            return created;
        },
        egress(resource) {
            if (resource.id) {
                const found = items.get(resource.id);
                if (!found) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
                return found;
            }
            const all = [...items.values()];
            return resource.filter ? resource.filter.match(all) : all;
        },
        degress(resource) {
            if (!items.delete(resource.id)) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
        },
    };
}

const users = store("userName");
const groups = store("displayName");
SCIMMY.Resources.declare(SCIMMY.Resources.User)
    .ingress((resource, instance) => users.ingress(resource, instance))
    .egress((resource) => users.egress(resource))
    .degress((resource) => users.degress(resource));
SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress((resource, instance) => groups.ingress(resource, instance))
    .egress((resource) => groups.egress(resource))
    .degress((resource) => groups.degress(resource));

const expected = Buffer.from(`Bearer ${token}`);
const app = express();
app.use("/scim/v2", new SCIMMYRouters({
    type: "bearer",
    docUri: "https://scimmyjs.github.io",
    handler: (request) => {
        const got = Buffer.from(request.header("Authorization") ?? "");
        if (got.length !== expected.length || !crypto.timingSafeEqual(got, expected))
            throw new Error("Authorization failed");
        return "provisioning-client";
    },
}));

app.listen(port, host, () => console.log(`scimmy: SCIM server on http://${addr}/scim/v2`));
