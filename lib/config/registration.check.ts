import type { InjectionToken, Type } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';

/** One registration (`forRoot` / `forRootAsync`) of the module in an app, and who imports it. */
export interface SendfactRegistration {
  /** The modules that import it. */
  readonly importers: readonly string[];
  readonly global: boolean;
}

type NestModule = ModulesContainer extends Map<string, infer M> ? M : never;
type DeclaredProvider = { provide?: unknown; useValue?: unknown; useFactory?: unknown } | null;

/**
 * The registrations of `moduleClass` in the app of `container`, in the order Nest scanned them. Nest links
 * a global module into every module's imports, so the importers of a global registration are those whose
 * `@Module({ imports })` holds that very registration: the one whose options provider is the same.
 */
export function findRegistrations(
  container: ModulesContainer,
  moduleClass: Type,
  optionsToken: InjectionToken,
): SendfactRegistration[] {
  const registrations = [...container.values()].filter((m) => m.metatype === moduleClass);
  return registrations.map((registration) => {
    const importers: string[] = [];
    for (const module of container.values()) {
      if (module.metatype === moduleClass || !module.imports.has(registration)) continue;
      if (registration.isGlobal && !declares(module, registration, moduleClass, optionsToken))
        continue;
      importers.push(module.metatype?.name ?? module.name);
    }
    return { importers, global: registration.isGlobal };
  });
}

function declares(
  importer: NestModule,
  registration: NestModule,
  moduleClass: Type,
  optionsToken: InjectionToken,
): boolean {
  const declared: unknown =
    importer.metatype === undefined ? undefined : Reflect.getMetadata('imports', importer.metatype);
  const options = registration.providers.get(optionsToken);
  if (!Array.isArray(declared) || options === undefined) return false;
  return declared.some((item: { module?: unknown; providers?: DeclaredProvider[] } | null) => {
    if (item?.module !== moduleClass || !Array.isArray(item.providers)) return false;
    return item.providers.some(
      (p) =>
        p?.provide === optionsToken &&
        (('useValue' in p && p.useValue === options.instance) ||
          (p.useFactory !== undefined && p.useFactory === options.metatype)),
    );
  });
}

/**
 * The warning for an app with more than one registration, or `undefined`. Two registrations are two
 * modules, each with its own options, accounts and tokens, and a module sees only the one it imports (a
 * global one only when it imports none), so the options of one of them are likely not used where meant.
 */
export function duplicateRegistrationWarning(
  registrations: readonly SendfactRegistration[],
): string | undefined {
  if (registrations.length < 2) return undefined;
  const where = registrations
    .map(({ importers, global }, i) => {
      const by = importers.length === 0 ? 'a dynamic module' : importers.join(', ');
      return `#${i + 1}${global ? ' (global)' : ''} imported by ${by}`;
    })
    .join('; ');
  return (
    `SendfactAuthModule is registered ${registrations.length} times, each with its own options and tokens: ` +
    `${where}. Each module uses the registration it imports, so the others' options are ignored there. ` +
    'Register it once, in the root module with isGlobal: true, and name every company in accounts.'
  );
}
