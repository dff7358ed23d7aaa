/**
 * Variables that steer how a program starts or what it trusts, rather
 * than carry data: a loader's preloads, an interpreter's options and
 * module paths, a shell's start-up files, a tool's hooks, its proxy and
 * its certificate authorities. A secret's writer is not its reader: who
 * may only write a secret must not choose code that runs in every
 * reader's `run`, so `run` and `export` inject none of these unless the
 * reader names it with --allow-env. Names are compared without regard to
 * case, because some readers go by lower case (curl's http_proxy, npm's
 * npm_config_*) and Windows ignores case altogether.
 */

const EXACT = [
  // The shell: where commands are found, what runs at start-up or before each prompt, how words split.
  'PATH',
  'ENV',
  'BASH_ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'PS1',
  'PS2',
  'PS3',
  'PS4',
  'PROMPT_COMMAND',
  'IFS',
  'CDPATH',
  'GLOBIGNORE',
  'FPATH',
  'ZDOTDIR',
  'INPUTRC',
  'SHELL',
  // Where tools find their configuration files (~/.gitconfig, ~/.npmrc, ~/.ssh/config), and hence their hooks.
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_CONFIG_DIRS',
  // glibc: character-set modules and locale data are loaded code.
  'GCONV_PATH',
  'LOCPATH',
  'NLSPATH',
  'GLIBC_TUNABLES',
  'HOSTALIASES',
  // Node.js.
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  // The JVM and .NET: options and agents, class paths, start-up hooks, profilers.
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'JAVA_OPTS',
  'CLASSPATH',
  'MAVEN_OPTS',
  'GRADLE_OPTS',
  'DOTNET_STARTUP_HOOKS',
  'DOTNET_ADDITIONAL_DEPS',
  // PHP, Tcl, R.
  'PHPRC',
  'PHP_INI_SCAN_DIR',
  'TCLLIBPATH',
  'R_PROFILE',
  'R_PROFILE_USER',
  'R_ENVIRON',
  'R_ENVIRON_USER',
  // Git: the programs it runs and the configuration it reads.
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_EXEC_PATH',
  'GIT_ASKPASS',
  'GIT_PAGER',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'GIT_PROXY_COMMAND',
  'GIT_EXTERNAL_DIFF',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_TEMPLATE_DIR',
  'GIT_CONFIG',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_COUNT',
  'GIT_CONFIG_PARAMETERS',
  'GIT_SSL_NO_VERIFY',
  'GIT_SSL_CAINFO',
  // Programs that other programs start on the user's behalf.
  'EDITOR',
  'VISUAL',
  'PAGER',
  'MANPAGER',
  'LESSOPEN',
  'LESSCLOSE',
  'BROWSER',
  'SSH_ASKPASS',
  'SSH_ASKPASS_REQUIRE',
  'SUDO_ASKPASS',
  'SSH_AUTH_SOCK',
  // Build tools: the compiler, its wrapper, the flags that add one.
  'CC',
  'CXX',
  'GOFLAGS',
  'RUSTC',
  'RUSTC_WRAPPER',
  'CARGO_BUILD_RUSTC_WRAPPER',
  'MAKEFLAGS',
  'PIP_INDEX_URL',
  'PIP_EXTRA_INDEX_URL',
  'PIP_CONFIG_FILE',
  // Where traffic goes and which certificates are trusted.
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'FTP_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'CURL_HOME',
  'WGETRC',
  // Container and cluster clients: the daemon they talk to, the credential helpers they run.
  'DOCKER_HOST',
  'DOCKER_CONFIG',
  'KUBECONFIG',
];

const PREFIXES = [
  // The dynamic loaders of Linux and macOS: LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, DYLD_INSERT_LIBRARIES.
  'LD_',
  'DYLD_',
  // Bash's own (BASH_ENV, BASH_XTRACEFD, BASH_LOADABLES_PATH) and its exported functions.
  'BASH_',
  // Interpreters: module paths, start-up scripts, options (PYTHONPATH, PYTHONSTARTUP, PYTHONWARNINGS, PERL5OPT, RUBYOPT, LUA_INIT).
  'PYTHON',
  'PERL',
  'RUBY',
  'GEM_',
  'BUNDLE_',
  'LUA_',
  // .NET profilers load a library into the process.
  'CORECLR_',
  'COR_',
  // Git's configuration given in the environment: any setting, core.sshCommand included.
  'GIT_CONFIG_KEY_',
  'GIT_CONFIG_VALUE_',
  // npm reads every setting from these, script-shell and node-options included.
  'NPM_CONFIG_',
  // The service's own client settings: a secret must not point the command's own calls elsewhere.
  'SECRETS_',
];

const EXACT_SET = new Set(EXACT);

/** Whether a variable of this name steers how a program starts or what it trusts. */
export function steersProcess(name: string): boolean {
  const upper = name.toUpperCase();
  return EXACT_SET.has(upper) || PREFIXES.some((prefix) => upper.startsWith(prefix));
}
