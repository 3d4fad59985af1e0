export {};
//# sourceMappingURL=sendfact-token-event.interface.js.map