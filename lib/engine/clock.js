/** The real clock: `performance.now()`, `Date.now()` and `unref`'d timers. */
export const systemClock = {
    now: () => performance.now(),
    wallNow: () => Date.now(),
    setTimer(fn, ms) {
        // Node counts a timer from the event loop's cached time, in whole ms, so it can fire before `ms` have
        // passed on performance.now(); the engine would then find nothing due and drop the retry. Re-arm instead.
        const due = performance.now() + ms;
        let timer;
        const arm = (delay) => {
            timer = setTimeout(fire, delay);
            timer.unref();
        };
        const fire = () => {
            const left = due - performance.now();
            if (left > 0)
                arm(Math.ceil(left));
            else
                fn();
        };
        arm(ms);
        return { cancel: () => clearTimeout(timer) };
    },
};
/** Resolves after `ms` on `clock`, or rejects with `signal.reason` when the signal fires first. */
export function sleep(clock, ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal.aborted)
            return reject(signal.reason);
        const onAbort = () => {
            timer.cancel();
            reject(signal.reason);
        };
        const timer = clock.setTimer(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        signal.addEventListener('abort', onAbort, { once: true });
    });
}
//# sourceMappingURL=clock.js.map