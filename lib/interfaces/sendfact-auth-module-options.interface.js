export {};
//# sourceMappingURL=sendfact-auth-module-options.interface.js.map