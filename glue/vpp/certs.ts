/**
 * The certificate/key pairs this attachment handed VPP for its TLS listeners
 * (ADD_DEL_CERT_KEY over the app socket). VPP keeps pairs in one pool for
 * all its apps until they are deleted — a detach frees none — so a pair is
 * sent once per attachment, counted, and deleted with its last listener.
 */
import { createHash } from 'node:crypto';
import type { Engine } from '../engine/types';
import { VN } from '../engine/abi';
import type { Host } from '../host';
import { nodeError, protocolError } from '../errors';
import type { SegmentTable } from './segments';

const NUL = Buffer.alloc(1);
/** SESSION_E_INVALID as the core reports VPP's refusals (-1000 + retval). */
const VPP_INVALID = -1000 - 19;
const nap = new Int32Array(new SharedArrayBuffer(4));

export class CertPairs {
  private readonly byDigest = new Map<string, { index: number; users: number }>();
  private context = 0;

  constructor(private readonly host: Host, private readonly engine: Engine, private readonly sapiFd: () => number,
    private readonly timeoutMs: number, private readonly segments: SegmentTable) {}

  /** The pair's index in VPP (PEM cert chain and key), sending it if this attachment has not yet. */
  acquire(certPem: Buffer, keyPem: Buffer): number {
    const digest = createHash('sha256').update(certPem).update(NUL).update(keyPem).digest('hex');
    const have = this.byDigest.get(digest);
    if (have) { have.users++; return have.index; }
    // VPP's TLS engines read each part as a C string: the NUL goes with it
    // VPP reads the data datagram right after the message and waits for it
    // only a few microseconds: a sender preempted in between gets INVALID,
    // and VPP reads the late datagram as a message of no known type and drops
    // it. Sending again is safe.
    const data = Buffer.concat([certPem, NUL, keyPem, NUL]);
    let index = this.request(0, certPem.length + 1, keyPem.length + 1, data);
    for (let tries = 1; index === VPP_INVALID && tries < 5; tries++) {
      Atomics.wait(nap, 0, 0, tries);
      index = this.request(0, certPem.length + 1, keyPem.length + 1, data);
    }
    if (index <= -1000) {
      throw nodeError('ERR_VPPNET_TLS_CERT', `vppnet: VPP refused the certificate and key (SESSION_E ${index + 1000})`);
    }
    if (index <= 0) throw protocolError(index, "VPP's reply to a certificate upload is malformed");
    this.byDigest.set(digest, { index, users: 1 });
    return index;
  }

  /** One listener less uses pair `index`: VPP deletes it with the last. */
  release(index: number) {
    for (const [digest, p] of this.byDigest) {
      if (p.index !== index || --p.users > 0) continue;
      this.byDigest.delete(digest);
      this.request(index, 0, 0);
      return;
    }
  }

  /** One request, one reply; segment fds VPP sent meanwhile go to the segment table. */
  private request(index: number, certLen: number, keyLen: number, data?: Buffer): number {
    const { core } = this.engine;
    const context = ++this.context;
    const len = core.cert_key_encode(context, index, certLen, keyLen);
    if (len < 0) throw nodeError('ERR_VPPNET_TLS_CERT', `vppnet: VPP takes a certificate and a key of up to 9999 bytes each (got ${certLen - 1} and ${keyLen - 1})`, RangeError);
    const scratch = this.engine.scratch();
    this.host.sapiSend(this.sapiFd(), scratch.subarray(0, len), this.timeoutMs, data);
    for (;;) {
      const d = this.host.sapiRecv(this.sapiFd(), this.timeoutMs);
      if (d.msg[0] === VN.SAPI_SEND_FDS) { this.segments.arrived(d); continue; }
      for (const fd of d.fds) this.host.closeFd(fd);
      scratch.set(d.msg.subarray(0, Math.min(d.msg.length, VN.SCRATCH_SIZE)));
      return core.cert_key_decode(d.msg.length, context);
    }
  }
}
