/** Transport identity: sockets and servers report the transport the profile expects (and the profile proves it). */
import { type Context } from '../helpers';

export function transportCases(ctx: Context): void {
  const { profile, N, T, pair } = ctx;

  T(`sockets and servers report transport '${profile.expectTransport}' on both ends`, async () => {
    const { srv, s, c, port } = await pair();
    expect(srv.transport).toBe(profile.expectTransport);
    expect(c.transport).toBe(profile.expectTransport);
    expect(s.transport).toBe(profile.expectTransport);
    await profile.proveTransport?.(port);
    expect(c).toBeInstanceOf(N.Socket);
    expect(s).toBeInstanceOf(N.Socket);
    expect(srv).toBeInstanceOf(N.Server);
  });
}
