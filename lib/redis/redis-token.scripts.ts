// The store's compare-and-delete steps run as Lua so that the read and the delete are one atomic step:
// a token another replica wrote in between is never deleted.

/** Compare-and-delete of a token: the value is `<lifetimeMs> <mac> <token>` (or `<lifetimeMs> <token>`). */
export const DELETE_IF_TOKEN = `local v = redis.call('GET', KEYS[1])
if v and #v > #ARGV[1] and string.sub(v, -#ARGV[1] - 1) == ' ' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
/** Compare-and-delete of a whole value (a lease, or a token value this module cannot read). */
export const DELETE_IF_EQUAL = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
