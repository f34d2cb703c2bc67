// Base of every Main API object that is passed by reference (VirtualBox's "managed" wsmap objects): the service
// hands such objects to clients as references and routes method calls back to them.

/** Marker base class. Members whose names start with `_` are internal and never callable through the service. */
export abstract class ApiObject {
  /** The VirtualBox interface name (IMachine, ISession…), used by the service protocol and in error messages. */
  abstract readonly interfaceName: string
}

/** True when `name` is a method a client may call (not internal, not a JS built-in). */
export function isCallableApiMember(target: object, name: string): boolean {
  if (name.startsWith('_') || name === 'constructor' || name === 'interfaceName') return false
  // Only methods of the API classes themselves, never Object.prototype's.
  for (
    let proto = Object.getPrototypeOf(target);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  )
    if (Object.prototype.hasOwnProperty.call(proto, name))
      return typeof (proto as Record<string, unknown>)[name] === 'function'
  return false
}
