import { inspect } from 'node:util';
import { systemClock } from './engine/clock.js';
import { DEFAULT_REFRESH_POLICY, policyProblems, } from './engine/refresh-policy.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_TIMEOUT_MS, SENDFACT_BASE_URLS, } from './sendfact-auth.constants.js';
import { SendfactConfigError } from './sendfact-auth.errors.js';
import { environmentProblems, readSendfactEnvironment, } from './sendfact.config.js';
const MAX_TIMEOUT_MS = 300_000;
/**
 * The module's options once merged with the environment and validated: what every provider of the module
 * reads. The password is kept in a private field and shown by neither `util.inspect` nor `JSON.stringify`.
 */
export class ResolvedSendfactAuthOptions {
    #password;
    constructor(fields) {
        this.defaultAccountId = DEFAULT_ACCOUNT_ID;
        this.environment = fields.environment;
        this.baseUrl = fields.baseUrl;
        this.origin = new URL(fields.baseUrl).origin;
        this.timeoutMs = fields.timeoutMs;
        this.allowInsecureHttp = fields.allowInsecureHttp;
        this.refresh = Object.freeze({ ...fields.refresh });
        this.proactiveRefresh = fields.proactiveRefresh;
        this.http = fields.http;
        this.clock = fields.clock;
        this.username = fields.username;
        this.#password = fields.password;
        if (fields.tokenFetcher !== undefined)
            this.tokenFetcher = fields.tokenFetcher;
    }
    /** The default account's login. */
    get credentials() {
        return { username: this.username, password: this.#password };
    }
    toJSON() {
        return {
            environment: this.environment,
            baseUrl: this.baseUrl,
            username: this.username,
            password: '[redacted]',
            timeoutMs: this.timeoutMs,
            allowInsecureHttp: this.allowInsecureHttp,
            proactiveRefresh: this.proactiveRefresh,
            refresh: this.refresh,
        };
    }
    [inspect.custom](depth, options) {
        return `ResolvedSendfactAuthOptions ${inspect(this.toJSON(), { ...options, depth })}`;
    }
}
/**
 * Merges module options over the `SENDFACT_*` variables and validates the result. Throws one
 * {@link SendfactConfigError} listing every problem, each naming the variable or option.
 */
export function resolveSendfactAuthOptions(options = {}, env = readSendfactEnvironment(), internal = {}) {
    const problems = [];
    const envProblems = environmentProblems(env);
    // An environment variable is only checked when no option overrides it.
    const fromEnv = (option, name) => {
        if (option !== undefined)
            return { value: option, source: optionName(name) };
        const problem = envProblems.get(name);
        if (problem !== undefined)
            problems.push(problem);
        return { value: problem === undefined ? env[name] : undefined, source: name };
    };
    const username = fromEnv(options.username, 'SENDFACT_USERNAME');
    const password = fromEnv(options.password, 'SENDFACT_PASSWORD');
    for (const field of [username, password]) {
        if (field.value === undefined && !envProblems.has(field.source)) {
            problems.push(`${field.source} is required`);
        }
        else if (field.value !== undefined &&
            !(typeof field.value === 'string' && field.value.trim() !== '')) {
            problems.push(`${field.source} must be a non-empty string`);
        }
    }
    const environment = fromEnv(options.environment, 'SENDFACT_ENVIRONMENT');
    const environmentName = (environment.value ?? 'demo');
    if (!(environmentName in SENDFACT_BASE_URLS))
        problems.push(`${environment.source} must be "demo" or "production"`);
    const insecure = fromEnv(options.allowInsecureHttp, 'SENDFACT_ALLOW_INSECURE_HTTP');
    const allowInsecureHttp = insecure.value === true || insecure.value === 'true' || insecure.value === '1';
    const base = fromEnv(options.baseUrl, 'SENDFACT_BASE_URL');
    const baseUrl = checkBaseUrl(base.value ?? SENDFACT_BASE_URLS[environmentName] ?? SENDFACT_BASE_URLS.demo, base.value === undefined ? 'SENDFACT_ENVIRONMENT' : base.source, allowInsecureHttp, problems);
    const timeout = fromEnv(options.timeoutMs, 'SENDFACT_TIMEOUT_MS');
    const timeoutMs = timeout.value === undefined ? DEFAULT_TIMEOUT_MS : Number(timeout.value);
    if (!(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= MAX_TIMEOUT_MS)) {
        problems.push(`${timeout.source} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
    }
    const refresh = {
        ...DEFAULT_REFRESH_POLICY,
        ...definedOnly(options.refresh ?? {}),
    };
    problems.push(...policyProblems(refresh));
    if (problems.length > 0)
        throw new SendfactConfigError(problems);
    return new ResolvedSendfactAuthOptions({
        environment: environmentName,
        baseUrl: baseUrl,
        timeoutMs,
        allowInsecureHttp,
        refresh,
        proactiveRefresh: options.proactiveRefresh ?? false,
        http: options.http ?? {},
        clock: options.clock ?? systemClock,
        username: username.value.trim(),
        password: password.value,
        ...internal,
    });
}
/** `SENDFACT_BASE_URL` -> `baseUrl` (the option's name, for problems found in an option's value). */
function optionName(envName) {
    const name = envName
        .replace(/^SENDFACT_/, '')
        .toLowerCase()
        .replace(/_(\w)/g, (_, c) => c.toUpperCase());
    return `the ${name === 'baseUrl' ? 'baseUrl' : name} option`;
}
function checkBaseUrl(raw, source, allowInsecureHttp, problems) {
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        problems.push(`${source} must be an http:// or https:// URL`);
        return undefined;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        problems.push(`${source} must be an http:// or https:// URL`);
    }
    else if (url.username !== '' || url.password !== '') {
        problems.push(`${source} must not carry credentials in the URL`);
    }
    else if (url.search !== '' || url.hash !== '') {
        problems.push(`${source} must not have a query or fragment`);
    }
    else if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopback(url.hostname)) {
        problems.push(`${source} uses plain http:// for a host that is not loopback; use https:// or set allowInsecureHttp ` +
            '(SENDFACT_ALLOW_INSECURE_HTTP=true) if you really mean it');
    }
    return url.href.replace(/\/+$/, '');
}
/** localhost, 127.0.0.0/8 and ::1. */
export function isLoopback(hostname) {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return (host === 'localhost' ||
        host.endsWith('.localhost') ||
        host === '::1' ||
        /^127(\.\d{1,3}){3}$/.test(host));
}
function definedOnly(value) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
//# sourceMappingURL=sendfact-auth.options.js.map