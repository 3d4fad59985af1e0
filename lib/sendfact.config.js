var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
import { inspect } from 'node:util';
import { registerAs } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, validateSync, } from 'class-validator';
import { SENDFACT_CONFIG_NAMESPACE } from './sendfact-auth.constants.js';
/**
 * The `SENDFACT_*` environment variables, as read into the `sendfact` config namespace. Values stay strings
 * until the module merges them with its options; validation then names the variable, never its value.
 */
export class SendfactEnvironmentVariables {
    [inspect.custom]() {
        return `SendfactEnvironmentVariables ${inspect(redactedEnv(this))}`;
    }
    toJSON() {
        return redactedEnv(this);
    }
}
__decorate([
    IsOptional(),
    IsString(),
    IsNotEmpty(),
    __metadata("design:type", String)
], SendfactEnvironmentVariables.prototype, "SENDFACT_USERNAME", void 0);
__decorate([
    IsOptional(),
    IsString(),
    IsNotEmpty(),
    __metadata("design:type", String)
], SendfactEnvironmentVariables.prototype, "SENDFACT_PASSWORD", void 0);
__decorate([
    IsOptional(),
    IsIn(['demo', 'production']),
    __metadata("design:type", String)
], SendfactEnvironmentVariables.prototype, "SENDFACT_ENVIRONMENT", void 0);
__decorate([
    IsOptional(),
    IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }),
    __metadata("design:type", String)
], SendfactEnvironmentVariables.prototype, "SENDFACT_BASE_URL", void 0);
__decorate([
    IsOptional(),
    Matches(/^\d{1,6}$/),
    __metadata("design:type", String)
], SendfactEnvironmentVariables.prototype, "SENDFACT_TIMEOUT_MS", void 0);
__decorate([
    IsOptional(),
    IsIn(['true', 'false', '1', '0']),
    __metadata("design:type", String)
], SendfactEnvironmentVariables.prototype, "SENDFACT_ALLOW_INSECURE_HTTP", void 0);
/** What each variable must be, in words; used in place of class-validator's messages. */
const EXPECTED = {
    SENDFACT_USERNAME: 'must be a non-empty string',
    SENDFACT_PASSWORD: 'must be a non-empty string',
    SENDFACT_ENVIRONMENT: 'must be "demo" or "production"',
    SENDFACT_BASE_URL: 'must be an http:// or https:// URL',
    SENDFACT_TIMEOUT_MS: 'must be a whole number of milliseconds',
    SENDFACT_ALLOW_INSECURE_HTTP: 'must be "true" or "false"',
};
export const SENDFACT_ENV_VARIABLES = Object.keys(EXPECTED);
/** Reads the `SENDFACT_*` variables (empty strings count as unset). */
export function readSendfactEnvironment(env = process.env) {
    const plain = {};
    for (const name of SENDFACT_ENV_VARIABLES) {
        const value = env[name];
        if (value !== undefined && value !== '')
            plain[name] = value;
    }
    return plainToInstance(SendfactEnvironmentVariables, plain);
}
/** Validation problems per variable name, worded without the values. */
export function environmentProblems(vars) {
    const problems = new Map();
    for (const error of validateSync(vars, { forbidUnknownValues: false })) {
        const name = error.property;
        problems.set(name, `${name} ${EXPECTED[name] ?? 'is malformed'}`);
    }
    return problems;
}
/** The `sendfact` namespace of `@nestjs/config`, fed by the `SENDFACT_*` environment variables. */
export const sendfactConfig = registerAs(SENDFACT_CONFIG_NAMESPACE, () => readSendfactEnvironment());
function redactedEnv(vars) {
    const out = {};
    for (const name of SENDFACT_ENV_VARIABLES) {
        const value = vars[name];
        if (value !== undefined)
            out[name] = name === 'SENDFACT_PASSWORD' ? '[redacted]' : value;
    }
    return out;
}
//# sourceMappingURL=sendfact.config.js.map