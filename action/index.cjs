"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// src/secrets/secret-key.ts
var MAX_KEY_LENGTH = 512;
var SEGMENT = /^[A-Za-z0-9_.-]+$/;
function keyProblem(candidate) {
  if (candidate.length === 0) return "a key must not be empty";
  if (candidate.length > MAX_KEY_LENGTH) return `a key is at most ${MAX_KEY_LENGTH} characters`;
  if (candidate.includes("%")) return "a key must not be percent-encoded";
  for (const segment of candidate.split("/")) {
    if (segment === "") return "a key has no empty segment and no leading or trailing /";
    if (segment === "." || segment === "..") return "a key segment must not be . or ..";
    if (!SEGMENT.test(segment)) return "a key segment may only contain A-Z a-z 0-9 _ . -";
  }
  return void 0;
}

// src/cli/run/steering-variables.ts
var EXACT = [
  // The shell: where commands are found, what runs at start-up or before each prompt, how words split.
  "PATH",
  "ENV",
  "BASH_ENV",
  "SHELLOPTS",
  "BASHOPTS",
  "PS1",
  "PS2",
  "PS3",
  "PS4",
  "PROMPT_COMMAND",
  "IFS",
  "CDPATH",
  "GLOBIGNORE",
  "FPATH",
  "ZDOTDIR",
  "INPUTRC",
  "SHELL",
  // Where tools find their configuration files (~/.gitconfig, ~/.npmrc, ~/.ssh/config), and hence their hooks.
  "HOME",
  "XDG_CONFIG_HOME",
  "XDG_CONFIG_DIRS",
  // glibc: character-set modules and locale data are loaded code.
  "GCONV_PATH",
  "LOCPATH",
  "NLSPATH",
  "GLIBC_TUNABLES",
  "HOSTALIASES",
  // Node.js.
  "NODE_OPTIONS",
  "NODE_PATH",
  "NODE_REPL_EXTERNAL_MODULE",
  "NODE_EXTRA_CA_CERTS",
  "NODE_TLS_REJECT_UNAUTHORIZED",
  // The JVM and .NET: options and agents, class paths, start-up hooks, profilers.
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "JAVA_OPTS",
  "CLASSPATH",
  "MAVEN_OPTS",
  "GRADLE_OPTS",
  "DOTNET_STARTUP_HOOKS",
  "DOTNET_ADDITIONAL_DEPS",
  // PHP, Tcl, R.
  "PHPRC",
  "PHP_INI_SCAN_DIR",
  "TCLLIBPATH",
  "R_PROFILE",
  "R_PROFILE_USER",
  "R_ENVIRON",
  "R_ENVIRON_USER",
  // Git: the programs it runs and the configuration it reads.
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_EXEC_PATH",
  "GIT_ASKPASS",
  "GIT_PAGER",
  "GIT_EDITOR",
  "GIT_SEQUENCE_EDITOR",
  "GIT_PROXY_COMMAND",
  "GIT_EXTERNAL_DIFF",
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_TEMPLATE_DIR",
  "GIT_CONFIG",
  "GIT_CONFIG_GLOBAL",
  "GIT_CONFIG_SYSTEM",
  "GIT_CONFIG_COUNT",
  "GIT_CONFIG_PARAMETERS",
  "GIT_SSL_NO_VERIFY",
  "GIT_SSL_CAINFO",
  // Programs that other programs start on the user's behalf.
  "EDITOR",
  "VISUAL",
  "PAGER",
  "MANPAGER",
  "LESSOPEN",
  "LESSCLOSE",
  "BROWSER",
  "SSH_ASKPASS",
  "SSH_ASKPASS_REQUIRE",
  "SUDO_ASKPASS",
  "SSH_AUTH_SOCK",
  // Build tools: the compiler, its wrapper, the flags that add one.
  "CC",
  "CXX",
  "GOFLAGS",
  "RUSTC",
  "RUSTC_WRAPPER",
  "CARGO_BUILD_RUSTC_WRAPPER",
  "MAKEFLAGS",
  "PIP_INDEX_URL",
  "PIP_EXTRA_INDEX_URL",
  "PIP_CONFIG_FILE",
  // Where traffic goes and which certificates are trusted.
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "FTP_PROXY",
  "NO_PROXY",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "CURL_HOME",
  "WGETRC",
  // Container and cluster clients: the daemon they talk to, the credential helpers they run.
  "DOCKER_HOST",
  "DOCKER_CONFIG",
  "KUBECONFIG"
];
var PREFIXES = [
  // The dynamic loaders of Linux and macOS: LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, DYLD_INSERT_LIBRARIES.
  "LD_",
  "DYLD_",
  // Bash's own (BASH_ENV, BASH_XTRACEFD, BASH_LOADABLES_PATH) and its exported functions.
  "BASH_",
  // Interpreters: module paths, start-up scripts, options (PYTHONPATH, PYTHONSTARTUP, PYTHONWARNINGS, PERL5OPT, RUBYOPT, LUA_INIT).
  "PYTHON",
  "PERL",
  "RUBY",
  "GEM_",
  "BUNDLE_",
  "LUA_",
  // .NET profilers load a library into the process.
  "CORECLR_",
  "COR_",
  // Git's configuration given in the environment: any setting, core.sshCommand included.
  "GIT_CONFIG_KEY_",
  "GIT_CONFIG_VALUE_",
  // npm reads every setting from these, script-shell and node-options included.
  "NPM_CONFIG_",
  // The service's own client settings: a secret must not point the command's own calls elsewhere.
  "SECRETS_"
];
var EXACT_SET = new Set(EXACT);
function steersProcess(name) {
  const upper = name.toUpperCase();
  return EXACT_SET.has(upper) || PREFIXES.some((prefix) => upper.startsWith(prefix));
}

// src/cli/run/environment.ts
var VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
var EnvironmentError = class extends Error {
};
function exported(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}
function variableProblem(name, value, source, allowed) {
  if (!VARIABLE_NAME.test(name)) return `${source}: ${JSON.stringify(name)} is not a variable name`;
  if (value.includes("\0")) return `${source}: the value holds a NUL character, which no variable can carry`;
  if (steersProcess(name) && !allowed.has(name))
    return `${source}: ${name} steers how programs start, so it is not set from a secret unless --allow-env ${name} names it`;
  return void 0;
}
function buildEnvironment(fromKeys, bindings, values, choices = {}) {
  const { naming = {}, allowed = /* @__PURE__ */ new Set(), fromPrefix = /* @__PURE__ */ new Map() } = choices;
  const env = {};
  const problems = [];
  const setBy = /* @__PURE__ */ new Map();
  const boundByEnv = new Set(bindings.map((binding) => binding.name));
  const described = (key) => fromPrefix.has(key) ? `${key} (from ${fromPrefix.get(key)})` : key;
  const set = (name, value, source) => {
    const problem = variableProblem(name, value, source, allowed);
    if (problem) problems.push(problem);
    else env[name] = value;
  };
  for (const key of fromKeys) {
    for (const [field, value] of Object.entries(values.get(key) ?? {})) {
      const name = `${naming.prefix ?? ""}${naming.uppercase ? field.toUpperCase() : field}`;
      const earlier = setBy.get(name);
      const clash = earlier !== void 0 && earlier !== key && (fromPrefix.has(key) || fromPrefix.has(earlier));
      if (clash && !boundByEnv.has(name)) {
        problems.push(
          `${name} would come from both ${described(earlier)} and ${described(key)}: name the one you want with --env ${name}=KEY#FIELD, or read fewer keys`
        );
        continue;
      }
      setBy.set(name, key);
      set(name, exported(value), `field ${JSON.stringify(field)} of ${key}`);
    }
  }
  for (const { name, key, field } of bindings) {
    const value = values.get(key) ?? {};
    if (field === void 0) set(name, JSON.stringify(value), `--env ${name}=${key}`);
    else if (!Object.hasOwn(value, field)) problems.push(`--env ${name}: ${key} has no field "${field}"`);
    else set(name, exported(value[field]), `--env ${name}: field ${JSON.stringify(field)} of ${key}`);
  }
  if (problems.length > 0) throw new EnvironmentError(problems.join("; "));
  return env;
}
function maskableValues(values, env) {
  const found = /* @__PURE__ */ new Set();
  const addText = (text) => {
    found.add(text);
    const escaped = JSON.stringify(text).slice(1, -1);
    if (escaped !== text) found.add(escaped);
    if (text.includes("\n")) for (const line of text.split("\n")) found.add(line.replace(/\r$/, ""));
  };
  for (const text of Object.values(env)) addText(text);
  const stack = [...values];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === "string") addText(current);
    else if (typeof current === "number") found.add(String(current));
    else if (typeof current === "object" && current !== null) stack.push(...Object.values(current));
  }
  return [...found];
}

// src/cli/client/exchanged-token.ts
async function exchangeOnce(client, source) {
  return client.exchange(await source.idToken(), source.rule);
}

// src/cli/client/secrets-client.ts
var import_promises = require("node:timers/promises");

// src/cli/client/http-exchange.ts
var import_node_http = __toESM(require("node:http"));
var ConnectionFailure = class extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
  code;
};
var TIMEOUT_MS = 6e4;
async function exchange(url, method, headers, body) {
  const transport = url.protocol === "https:" ? (await import("node:https")).default : import_node_http.default;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      { method, headers: body === void 0 ? headers : { ...headers, "Content-Length": String(Buffer.byteLength(body)) } },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("error", (error) => reject(new ConnectionFailure(error.code ?? "ECONNRESET")));
        response.on(
          "end",
          () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString("utf8") })
        );
      }
    );
    request.setTimeout(TIMEOUT_MS, () => request.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    request.on("error", (error) => reject(new ConnectionFailure(error.code ?? error.message)));
    request.end(body);
  });
}

// src/common/loopback.ts
function isLoopback(host) {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

// src/cli/client/credential-safety.ts
var ALLOW_INSECURE_HTTP = "SECRETS_ALLOW_INSECURE_HTTP";
function plainHttpProblem(url, env) {
  if (url.protocol !== "http:" || isLoopback(url.hostname)) return void 0;
  if (env[ALLOW_INSECURE_HTTP] === "true") return void 0;
  return `refusing to send credentials over plain http to ${url.host}: use https://, or set ${ALLOW_INSECURE_HTTP}=true on a network you trust`;
}

// src/cli/client/secrets-client.ts
var ClientError = class extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
  status;
  code;
};
var ClientConfigError = class extends ClientError {
};
var DEFAULT_URL = "http://127.0.0.1:8080";
function serviceUrl(env, flags = {}) {
  const from = flags.url !== void 0 ? "--url" : "SECRETS_URL";
  const url = (flags.url ?? (env.SECRETS_URL || DEFAULT_URL)).replace(/\/+$/, "").replace(/\/v1$/, "");
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new ClientConfigError(`${from} is not a URL: ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new ClientConfigError(`${from} must be an http:// or https:// URL: ${url}`);
  if (parsed.search !== "" || parsed.hash !== "") throw new ClientConfigError(`${from} must not have a query or fragment: ${url}`);
  const problem = plainHttpProblem(parsed, env);
  if (problem) throw new ClientConfigError(`${from}: ${problem}`);
  return url;
}
var RETRYABLE_METHODS = /* @__PURE__ */ new Set(["GET", "HEAD"]);
var MAX_RETRY_AFTER_MS = 1e4;
var SecretsClient = class {
  constructor(options) {
    this.options = options;
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 200;
  }
  options;
  attempts;
  backoffMs;
  get url() {
    return this.options.url;
  }
  async request(method, path, init = {}) {
    const headers = {
      ...this.options.token === "" ? {} : { Authorization: `Bearer ${this.options.token}` },
      ...init.body === void 0 ? {} : { "Content-Type": "application/json" },
      ...init.headers
    };
    const body = init.body === void 0 ? void 0 : JSON.stringify(init.body);
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.attempts;
      let reply;
      try {
        reply = await exchange(new URL(`${this.options.url}${path}`), method, headers, body);
      } catch (error) {
        if (!(error instanceof ConnectionFailure)) throw error;
        const unsent = error.code === "ECONNREFUSED";
        if (!last && (unsent || RETRYABLE_METHODS.has(method))) {
          await (0, import_promises.setTimeout)(this.backoffMs * 2 ** (attempt - 1));
          continue;
        }
        throw new ClientError(`cannot reach ${this.options.url} (${error.code})`);
      }
      if ((reply.status === 503 || reply.status === 429) && !last && RETRYABLE_METHODS.has(method)) {
        const retryAfter = Number(reply.headers["retry-after"]);
        await (0, import_promises.setTimeout)(
          Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1e3, MAX_RETRY_AFTER_MS) : this.backoffMs * 2 ** (attempt - 1)
        );
        continue;
      }
      return this.parse(reply);
    }
  }
  parse({ status, text }) {
    if (status >= 200 && status < 300) return text === "" ? void 0 : JSON.parse(text);
    let error = {};
    try {
      error = JSON.parse(text);
    } catch {
    }
    if (typeof error.code === "string") {
      throw new ClientError(`${error.code}: ${error.message ?? ""}`.trim(), status, error.code);
    }
    throw new ClientError(`HTTP ${status} from ${this.options.url}`, status);
  }
  getSecret(key, options = {}) {
    const query = options.version === void 0 ? "" : `?version=${options.version}`;
    return this.request("GET", `/v1/secret/${key}${query}`);
  }
  putSecret(key, value, expires, preconditions = {}) {
    const headers = {};
    if (preconditions.ifMatch) headers["If-Match"] = preconditions.ifMatch;
    if (preconditions.ifNoneMatch) headers["If-None-Match"] = preconditions.ifNoneMatch;
    return this.request("PUT", `/v1/secret/${key}`, { body: { value, expires }, headers });
  }
  deleteSecret(key, preconditions = {}) {
    return this.request("DELETE", `/v1/secret/${key}`, {
      headers: preconditions.ifMatch ? { "If-Match": preconditions.ifMatch } : {}
    });
  }
  listSecrets(prefix, options = {}) {
    const query = new URLSearchParams();
    if (prefix) query.set("prefix", prefix);
    if (options.limit) query.set("limit", String(options.limit));
    if (options.continuationToken) query.set("continuationToken", options.continuationToken);
    const text = query.toString();
    return this.request("GET", `/v1/secrets${text ? `?${text}` : ""}`);
  }
  /** Every page of a listing, in key order. */
  async *listAll(prefix) {
    let continuationToken;
    do {
      const page = await this.listSecrets(prefix, { limit: 1e3, continuationToken });
      yield* page.secrets;
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }
  /** Every lease under a backend prefix that the caller may see, page after page. */
  async *listLeases(prefix) {
    let continuationToken;
    do {
      const query = new URLSearchParams({ limit: "1000" });
      if (prefix) query.set("prefix", prefix);
      if (continuationToken) query.set("continuationToken", continuationToken);
      const page = await this.request("GET", `/v1/leases?${query.toString()}`);
      yield* page.leases;
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }
  /** Marks for revocation the leases of every backend at `prefix` or under it that the caller may revoke; how many. */
  async revokeLeasesUnder(prefix) {
    return (await this.request("POST", "/v1/leases/revoke", { body: { prefix } })).revoking;
  }
  /** Every valid token under a subject prefix that the caller may list, page after page. */
  async *listTokens(subject) {
    let continuationToken;
    do {
      const query = new URLSearchParams({ limit: "1000" });
      if (subject) query.set("subject", subject);
      if (continuationToken) query.set("continuationToken", continuationToken);
      const page = await this.request("GET", `/v1/tokens?${query.toString()}`);
      yield* page.tokens;
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }
  listAuditEvents(query = {}) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== void 0) params.set(name, String(value));
    const text = params.toString();
    return this.request("GET", `/v1/audit${text ? `?${text}` : ""}`);
  }
  /** Wraps a copy of `key`'s current value, or `value`, for one reader. */
  wrap(request) {
    return this.request("POST", "/v1/wrap", { body: request });
  }
  /** Takes the wrapped value, once (no bearer token needed: make the client with token ''). Never retried once sent. */
  unwrap(wrapToken) {
    return this.request("POST", "/v1/unwrap", { body: { wrapToken } });
  }
  lookupWrap(wrapToken) {
    return this.request("POST", "/v1/wrap/lookup", { body: { wrapToken } });
  }
  /** A token of this service for a CI provider's ID token, under `rule` when named (no bearer token needed: make the client with token ''). */
  exchange(idToken, rule) {
    return this.request("POST", "/v1/tokens/exchange", {
      body: { token: idToken, ...rule === void 0 ? {} : { rule } }
    });
  }
  putTrustRule(name, rule) {
    return this.request("PUT", `/v1/trust/${name}`, { body: rule });
  }
  getTrustRule(name) {
    return this.request("GET", `/v1/trust/${name}`);
  }
  deleteTrustRule(name) {
    return this.request("DELETE", `/v1/trust/${name}`);
  }
  async listTrustRules() {
    return (await this.request("GET", "/v1/trust")).rules;
  }
  /** The OIDC issuers the server trusts, which rules name. */
  async listTrustIssuers() {
    return (await this.request("GET", "/v1/trust/issuers")).issuers;
  }
  /** The server's version from /healthz (no token needed). */
  async serverVersion() {
    const health = await this.request("GET", "/healthz");
    return health.version;
  }
  whoami() {
    return this.request("GET", "/v1/whoami");
  }
  deriveToken(request) {
    return this.request("POST", "/v1/tokens", { body: request });
  }
  revokeToken(jti) {
    return this.request("POST", "/v1/tokens/revoke", { body: { jti } });
  }
  /** A new credential from a dynamic backend, and its lease; `ttl` in seconds, the backend's default without it. */
  drawCredential(key, ttl) {
    return this.request("POST", `/v1/creds/${key}`, { body: ttl === void 0 ? {} : { ttl } });
  }
  renewLease(id, ttl) {
    return this.request("POST", `/v1/leases/${id}/renew`, { body: ttl === void 0 ? {} : { ttl } });
  }
  /** Revokes the lease: true when its credential is gone, false when the revocation is pending at the server. */
  async revokeLease(id) {
    return await this.request("DELETE", `/v1/leases/${id}`) === void 0;
  }
};

// src/cli/client/id-token-sources.ts
var DEFAULT_OIDC_AUDIENCE = "scoped-secrets";
function idTokenFromGitHub(env) {
  const address = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!address || !bearer) {
    throw new ClientConfigError(
      '--github-oidc: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set (the job needs "permissions: id-token: write")'
    );
  }
  const url = new URL(address);
  url.searchParams.set("audience", env.SECRETS_OIDC_AUDIENCE || DEFAULT_OIDC_AUDIENCE);
  return async () => {
    let reply;
    try {
      reply = await exchange(url, "GET", { Authorization: `bearer ${bearer}`, Accept: "application/json" });
    } catch (error) {
      if (error instanceof ConnectionFailure) throw new ClientError(`cannot reach GitHub's ID token endpoint (${error.code})`);
      throw error;
    }
    let value;
    try {
      value = JSON.parse(reply.text).value;
    } catch {
      value = void 0;
    }
    if (reply.status !== 200 || typeof value !== "string")
      throw new ClientError(`GitHub's ID token endpoint answered HTTP ${reply.status} without a token`);
    return value;
  };
}

// src/cli/exit.ts
var EXIT_FAILURE = 2;
var EXIT_NOT_FOUND = 3;
function isNotFound(error) {
  return error instanceof ClientError && (error.status === 404 || error.status === 410);
}
var CliError = class extends Error {
  constructor(message, exitCode = EXIT_FAILURE) {
    super(message);
    this.exitCode = exitCode;
  }
  exitCode;
};

// src/cli/key-failures.ts
async function currentVersion(client, key) {
  try {
    const page = await client.listSecrets(key, { limit: 1 });
    const first = page.secrets[0];
    return first?.key === key ? first.version : void 0;
  } catch {
    return void 0;
  }
}
async function explainKeyFailure(error, client, key, guard = {}) {
  if (!(error instanceof ClientError)) throw error;
  if (error.code === "SecretNotFound") {
    const what = guard.readVersion === void 0 ? `no secret at ${key}` : `no version ${guard.readVersion} of ${key}`;
    throw new ClientError(what, error.status, error.code);
  }
  if (error.code === "SecretExpired") throw new ClientError(`${key} has expired`, error.status, error.code);
  if (error.code === "PreconditionFailed") {
    const version = await currentVersion(client, key);
    if (guard.createOnly) {
      throw new ClientError(`${key} already exists${version === void 0 ? "" : ` (version ${version})`}`, error.status, error.code);
    }
    if (guard.version !== void 0) {
      const where = error.message.includes("does not exist") ? `no secret at ${key}, so it is not at version ${guard.version}` : version === void 0 ? `${key} is not at version ${guard.version}` : `${key} is at version ${version}, not ${guard.version}`;
      throw new ClientError(where, error.status, error.code);
    }
  }
  throw error;
}

// src/cli/fetch-secrets.ts
async function fetchValues(client, keys, consequence = "") {
  const settled = await Promise.allSettled(
    keys.map(async (key) => {
      try {
        return [key, (await client.getSecret(key)).value];
      } catch (error) {
        return explainKeyFailure(error, client, key);
      }
    })
  );
  const rejected = settled.flatMap((result) => result.status === "rejected" ? [result.reason] : []);
  const failures = settled.flatMap((result, index) => {
    if (result.status === "fulfilled") return [];
    const key = keys[index];
    const message = result.reason instanceof Error ? result.reason.message : String(result.reason);
    return [message.includes(key) ? message : `${key}: ${message}`];
  });
  if (failures.length > 0) {
    throw new CliError(`${failures.join("; ")}${consequence}`, rejected.every(isNotFound) ? EXIT_NOT_FOUND : EXIT_FAILURE);
  }
  return new Map(settled.flatMap((result) => result.status === "fulfilled" ? [result.value] : []));
}

// src/cli/key-prefixes.ts
var EVERY_KEY = "**";
var UNDER = "/**";
function prefixOf(pattern) {
  if (pattern === EVERY_KEY) return "";
  return pattern.endsWith(UNDER) ? pattern.slice(0, -UNDER.length) : void 0;
}
function keyOrPrefixProblem(text) {
  const prefix = prefixOf(text);
  if (prefix === "") return void 0;
  const problem = keyProblem(prefix ?? text);
  if (problem && text.includes("*")) return `only a whole prefix can be read, as ci/deploy/** (a trailing /**), not ${text}`;
  return problem;
}
async function expandKeys(client, patterns, consequence) {
  const keys = /* @__PURE__ */ new Set();
  const fromPrefix = /* @__PURE__ */ new Map();
  for (const pattern of patterns) {
    const prefix = prefixOf(pattern);
    if (prefix === void 0) {
      keys.add(pattern);
      continue;
    }
    let found = 0;
    for await (const secret of client.listAll(prefix)) {
      found++;
      if (!keys.has(secret.key)) fromPrefix.set(secret.key, pattern);
      keys.add(secret.key);
    }
    if (found === 0) throw new CliError(`${pattern}: no secrets you may list under ${prefix || "the root"}${consequence}`, EXIT_NOT_FOUND);
  }
  return { keys: [...keys], fromPrefix };
}

// src/cli/action/action-inputs.ts
var InputError = class extends Error {
};
function input(env, name) {
  const value = env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`]?.trim();
  return value === "" ? void 0 : value;
}
function secretLine(line, number, fromKeys, bindings) {
  const where = `secrets, line ${number}`;
  const [left = "", name, ...rest] = line.split("|").map((part) => part.trim());
  if (rest.length > 0) throw new InputError(`${where}: one | at most (KEY FIELD | NAME)`);
  const [key = "", field, ...more] = left.split(/\s+/);
  if (more.length > 0) throw new InputError(`${where}: expected KEY, KEY FIELD | NAME or KEY | NAME`);
  if (name === void 0) {
    if (field !== void 0) throw new InputError(`${where}: name the variable for field ${field} (KEY FIELD | NAME)`);
    const problem2 = keyOrPrefixProblem(key);
    if (problem2) throw new InputError(`${where}: ${problem2}`);
    fromKeys.push(key);
    return;
  }
  const problem = keyProblem(key);
  if (problem) throw new InputError(`${where}: ${problem}`);
  if (!VARIABLE_NAME.test(name)) throw new InputError(`${where}: ${JSON.stringify(name)} is not a variable name`);
  bindings.push({ name, key, field });
}
function leaseLine(line, number) {
  const where = `leases, line ${number}`;
  const [key = "", prefix, ...rest] = line.split("|").map((part) => part.trim());
  if (rest.length > 0) throw new InputError(`${where}: one | at most (KEY | PREFIX)`);
  const problem = keyProblem(key);
  if (problem) throw new InputError(`${where}: ${problem}`);
  if (prefix !== void 0 && !VARIABLE_NAME.test(prefix)) throw new InputError(`${where}: ${JSON.stringify(prefix)} cannot start a variable name`);
  return { key, prefix: prefix === void 0 ? "" : `${prefix}_` };
}
function lines(text) {
  return (text ?? "").split(/\r?\n|;/).map((raw, index) => [raw.trim(), index + 1]).filter(([line]) => line !== "" && !line.startsWith("#"));
}
function readInputs(env) {
  const url = input(env, "url");
  if (url === void 0) throw new InputError("the input url is required: the address of the secrets service");
  const secrets = input(env, "secrets");
  const leases = input(env, "leases");
  if (secrets === void 0 && leases === void 0)
    throw new InputError("the input secrets (one secret per line) or leases (one dynamic backend per line) is required");
  const fromKeys = [];
  const bindings = [];
  for (const [line, number] of lines(secrets)) secretLine(line, number, fromKeys, bindings);
  const allowEnv = (input(env, "allow-env") ?? "").split(/[\s,]+/).filter((name) => name !== "");
  return {
    url,
    fromKeys,
    bindings,
    trustRule: input(env, "trust-rule"),
    audience: input(env, "audience") ?? "scoped-secrets",
    token: input(env, "token"),
    allowEnv: new Set(allowEnv),
    leases: lines(leases).map(([line, number]) => leaseLine(line, number))
  };
}

// src/cli/run/held-leases.ts
var MAX_RENEW_WAIT_MS = 10 * 6e4;
var MIN_RENEW_WAIT_MS = 1e3;
var HeldLeases = class {
  constructor(client, warn) {
    this.client = client;
    this.warn = warn;
  }
  client;
  warn;
  held = [];
  released = false;
  /** Draws one credential per key, in order; on any failure the ones drawn are revoked and the failure thrown. */
  async draw(keys) {
    const fields = /* @__PURE__ */ new Map();
    try {
      for (const key of keys) {
        const drawn = await this.client.drawCredential(key);
        this.held.push({ key, drawn });
        const { username, password, url } = drawn.credential;
        fields.set(key, { username, password, ...url === void 0 ? {} : { url } });
      }
    } catch (error) {
      await this.release();
      throw error;
    }
    return fields;
  }
  /** The ids of the leases held, in the order drawn. */
  ids() {
    return this.held.map((entry) => entry.drawn.lease.id);
  }
  /** Starts renewing each lease while the command runs. */
  keepRenewed() {
    for (const entry of this.held) this.schedule(entry);
  }
  /** Revokes every lease held; a failure is reported, never thrown, so that the command's own exit status stands. */
  async release() {
    if (this.released) return;
    this.released = true;
    for (const entry of this.held) {
      clearTimeout(entry.timer);
      try {
        const done = await this.client.revokeLease(entry.drawn.lease.id);
        if (!done) this.warn(`the lease of ${entry.key} is being revoked: its server did not answer, and the service retries`);
      } catch (error) {
        this.warn(`could not revoke the lease of ${entry.key} (${error.message}): it ends at ${entry.drawn.lease.expires}`);
      }
    }
  }
  schedule(entry) {
    const left = Date.parse(entry.drawn.lease.expires) - Date.now();
    const wait = Math.min(Math.max(left / 2, MIN_RENEW_WAIT_MS), MAX_RENEW_WAIT_MS);
    if (Date.parse(entry.drawn.lease.renewableUntil) <= Date.parse(entry.drawn.lease.expires)) return;
    entry.timer = setTimeout(() => {
      this.client.renewLease(entry.drawn.lease.id).then(
        (lease) => {
          if (this.released) return;
          entry.drawn = { ...entry.drawn, lease };
          this.schedule(entry);
        },
        (error) => this.warn(`could not renew the lease of ${entry.key} (${error.message}): it ends at ${entry.drawn.lease.expires}`)
      );
    }, wait).unref();
  }
};

// src/cli/action/workflow-commands.ts
var import_node_crypto = require("node:crypto");
var import_node_fs = __toESM(require("node:fs"));
function escapeData(text) {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function addMask(value, write2) {
  if (value !== "") write2(`::add-mask::${escapeData(value)}
`);
}
function errorLine(message) {
  return `::error::${escapeData(message)}
`;
}
function fileEntry(name, value, delimiter = `ghadelimiter_${(0, import_node_crypto.randomUUID)()}`) {
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`the value of ${name} holds the delimiter; it is not written`);
  return `${name}<<${delimiter}
${value}
${delimiter}
`;
}
function appendEntries(env, variable, entries) {
  const file = env[variable];
  if (!file) throw new Error(`${variable} is not set: run this as a step of a GitHub Actions job`);
  import_node_fs.default.appendFileSync(file, [...entries].map(([name, value]) => fileEntry(name, value)).join(""));
}

// src/cli/action/run-action.ts
var LEASES_STATE = "leases";
async function clientFor(inputs, env, write2) {
  const url = serviceUrl({ SECRETS_URL: inputs.url });
  let token = inputs.token;
  if (token === void 0) {
    const idToken = idTokenFromGitHub({ ...env, SECRETS_OIDC_AUDIENCE: inputs.audience });
    token = (await exchangeOnce(new SecretsClient({ url, token: "" }), { idToken, rule: inputs.trustRule })).token;
  }
  addMask(token, write2);
  return new SecretsClient({ url, token });
}
async function runAction(env, write2) {
  const saved = env[`STATE_${LEASES_STATE}`];
  if (saved !== void 0) return revokeLeases(saved, env, write2);
  const inputs = readInputs(env);
  const client = await clientFor(inputs, env, write2);
  const { keys: fromKeys, fromPrefix } = await expandKeys(client, inputs.fromKeys, "; no variable was set");
  const keys = [.../* @__PURE__ */ new Set([...fromKeys, ...inputs.bindings.map((binding) => binding.key)])];
  const values = await fetchValues(client, keys, "; no variable was set");
  for (const text of maskableValues(values.values(), {})) addMask(text, write2);
  let variables;
  try {
    variables = buildEnvironment(fromKeys, inputs.bindings, values, { allowed: inputs.allowEnv, fromPrefix });
  } catch (error) {
    if (error instanceof EnvironmentError)
      throw new EnvironmentError(`${error.message.replace(/--allow-env/g, "allow-env")}; no variable was set`);
    throw error;
  }
  for (const value of Object.values(variables)) addMask(value, write2);
  const leased = await drawLeases(client, inputs, env, write2);
  const clash = Object.keys(leased).find((name) => name in variables);
  if (clash !== void 0) throw new EnvironmentError(`${clash} is set by a secret and by a lease: give the lease a prefix (KEY | PREFIX); no variable was set`);
  const entries = new Map(Object.entries({ ...variables, ...leased }));
  appendEntries(env, "GITHUB_ENV", entries);
  appendEntries(env, "GITHUB_OUTPUT", entries);
  write2(`scoped-secrets: set ${entries.size} variable${entries.size === 1 ? "" : "s"}: ${[...entries.keys()].join(", ")}
`);
}
async function drawLeases(client, inputs, env, write2) {
  if (inputs.leases.length === 0) return {};
  const held = new HeldLeases(client, (line) => write2(`::warning::scoped-secrets: ${line}
`));
  const drawn = await held.draw(inputs.leases.map((lease) => lease.key));
  appendEntries(env, "GITHUB_STATE", /* @__PURE__ */ new Map([[LEASES_STATE, held.ids().join(" ")]]));
  const variables = {};
  for (const { key, prefix } of inputs.leases) {
    for (const [field, value] of Object.entries(drawn.get(key) ?? {})) {
      addMask(value, write2);
      variables[prefix === "" ? field : `${prefix}${field.toUpperCase()}`] = value;
    }
  }
  return variables;
}
async function revokeLeases(saved, env, write2) {
  const ids = saved.split(" ").filter((id) => id !== "");
  if (ids.length === 0) return;
  const client = await clientFor(readInputs(env), env, write2);
  let revoked = 0;
  for (const id of ids) {
    try {
      if (await client.revokeLease(id)) revoked++;
      else write2(`::warning::scoped-secrets: the revocation of lease ${id} is pending: its server did not answer, and the service retries
`);
    } catch (error) {
      write2(`::warning::scoped-secrets: could not revoke lease ${id} (${error.message}): its expiry ends it
`);
    }
  }
  write2(`scoped-secrets: revoked ${revoked} lease${revoked === 1 ? "" : "s"}
`);
}

// src/cli/action/main.ts
var write = (text) => void process.stdout.write(text);
runAction(process.env, write).catch((error) => {
  const message = error instanceof Error ? error.message : String(error);
  write(errorLine(`scoped-secrets: ${message.split("\n")[0] ?? ""}`));
  process.exitCode = 1;
});
