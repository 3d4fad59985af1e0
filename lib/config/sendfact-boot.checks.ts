import { type InjectionToken, Logger, type Provider, type Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { SENDFACT_LOGGER_CONTEXT } from '../sendfact-auth.constants.js';
import { peerVersionWarning, readNestPeerVersions } from './peer-versions.check.js';
import { duplicateRegistrationWarning, findRegistrations } from './registration.check.js';

/** Apps already checked: every registration runs the checks, and each app hears each warning once. */
const checked = new WeakSet<ModulesContainer>();

/** Token of the provider that runs the boot-time checks; it holds nothing. */
export const SENDFACT_BOOT_CHECKS = Symbol('nestjs-sendfact-auth:boot-checks');

/**
 * Warnings about how the app is put together, logged once per app while it boots: the module registered
 * more than once, and `@nestjs/axios` / `@nestjs/config` of another Nest generation than `@nestjs/core`.
 * It runs when Nest creates providers, after every module has been scanned. `moduleClass` is a thunk: the
 * module's own decorator names it before the class exists; `optionsToken` is its `forRoot` options' token.
 */
export function sendfactBootChecks(
  moduleClass: () => Type,
  optionsToken: InjectionToken,
): Provider {
  return {
    provide: SENDFACT_BOOT_CHECKS,
    inject: [ModulesContainer],
    useFactory: (container: ModulesContainer) => {
      if (checked.has(container)) return true;
      checked.add(container);
      const logger = new Logger(SENDFACT_LOGGER_CONTEXT);
      const duplicate = duplicateRegistrationWarning(
        findRegistrations(container, moduleClass(), optionsToken),
      );
      if (duplicate !== undefined) logger.warn(duplicate);
      const versions = peerVersionWarning(readNestPeerVersions());
      if (versions !== undefined) logger.warn(versions);
      return true;
    },
  };
}
