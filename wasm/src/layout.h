/*
 * layout.h — byte offsets and constants of VPP's shared structures and
 * messages (x86_64 layouts of VPP 26.10-rc0, from the protocol description).
 * Shared memory is only ever reached through these offsets, never by
 * overlaying C structs: on wasm32 a C struct with pointers would not match.
 */
#ifndef VN_LAYOUT_H
#define VN_LAYOUT_H

#include "vppnet_core.h"   /* VN_SAPI_MSG_SIZE, VN_SCRATCH_SIZE: checked below */

/* ssvm_shared_header_t (at the start of every segment) */
#define SSVM_SIZE_OFF           32   /* u64 mapping size */
#define SSVM_FSH_OFF            56   /* u64 opaque[0]: offset of the fifo segment header */
#define SSVM_HDR_SIZE           120

/* fifo_segment_header_t (at fsh) */
#define FSH_N_CACHED_BYTES       0   /* u64 atomic */
#define FSH_N_RESERVED_BYTES    12   /* u32 */
#define FSH_N_SLICES            20   /* u8 */
#define FSH_N_MQS               22   /* u8 */
#define FSH_BYTE_INDEX          64   /* u64, CAS to allocate */
#define FSH_MAX_BYTE_INDEX      72   /* u64 */
#define FSH_START_BYTE_INDEX    80   /* u64 */
#define FSH_SLICES             128
#define FSH_SLICE_SIZE         192
#define SLICE_FREE_CHUNKS        0   /* u64[11] tagged heads */
#define SLICE_N_FL_CHUNK_BYTES  96   /* u64 atomic */
#define FS_CHUNK_CLASSES        11   /* 4 KiB << 0..10 */
#define FS_MIN_CHUNK_LOG2       12
#define FL_OFF_MASK    0x0000FFFFFFFFFFFFull
#define FL_TAG_MASK    0xFFFF000000000000ull
#define FL_TAG_INC     0x0001000000000000ull

/* svm_msg_q: queue at Q (offset from fsh) */
#define MQ_N_RINGS               0   /* u32 */
#define MQ_HEAD                 96   /* u32, consumer */
#define MQ_TAIL                100   /* u32, producer */
#define MQ_CURSIZE             104   /* u32 atomic */
#define MQ_MAXSIZE             108
#define MQ_ELSIZE              112
#define MQ_SLOTS               120   /* maxsize x {u32 ring, u32 elt} */
#define RING_CURSIZE             0
#define RING_NITEMS              4
#define RING_HEAD                8
#define RING_TAIL               12
#define RING_ELSIZE             16
#define RING_HDR_SIZE           20
#define MQ_IO_RING               0   /* 18-byte session_event_t */
#define MQ_CTRL_RING             1   /* 256-byte: 2-byte header + message */
#define IO_EVT_SIZE             18
#define CTRL_EVT_SIZE          256
#define EVT_MSG_OFF              2   /* control message starts at byte 2 */

/* svm_fifo_shared_t (192 bytes) */
#define FIFO_START_CHUNK         0   /* u64 */
#define FIFO_END_CHUNK           8   /* u64 */
#define FIFO_MIN_ALLOC          16   /* u32 */
#define FIFO_SIZE               20   /* u32 */
#define FIFO_SLICE_INDEX        24   /* u8 */
#define FIFO_HAS_EVENT          40   /* u32 atomic */
#define FIFO_WANT_DEQ_NTF       44   /* u32 atomic */
#define FIFO_HAS_DEQ_NTF        48   /* u32 */
#define FIFO_DEQ_THRESH         60   /* u32 */
#define FIFO_HEAD_CHUNK         64   /* u64 */
#define FIFO_HEAD               72   /* u32 atomic */
#define FIFO_TAIL_CHUNK        128   /* u64 */
#define FIFO_TAIL              136   /* u32 atomic */
#define FIFO_SHR_SIZE          192
/* vppnet's own mark, in padding of the producer's cache line (VPP zeroes the
 * whole header when it allocates a fifo and never touches padding): the writer
 * shut down after its last byte. VPP has no half-close on cut-through sessions
 * (its ct transport has no half_close op), so two vppnet apps tell each other
 * here; any other peer ignores it and sees EOF only on a full close. */
#define FIFO_VN_EOF            140   /* u32 */
#define VN_EOF_MAGIC           0x464f4e56u   /* "VNOF" */
#define WANT_DEQ_NOTIF         0x1u
#define WANT_DEQ_NOTIF_IF_FULL 0x2u
#define WANT_DEQ_NOTIF_IF_EMPTY 0x4u

/* svm_fifo_chunk_t */
#define CHUNK_START_BYTE         0   /* u32 */
#define CHUNK_LENGTH             4   /* u32 */
#define CHUNK_NEXT               8   /* u64 */
#define CHUNK_ENQ_RB            16
#define CHUNK_DEQ_RB            20
#define CHUNK_HDR_SIZE          24

/* app socket API message (209 bytes, packed) */
#define SAPI_TYPE                0
#define SAPI_ATTACH              1
#define SAPI_ATTACH_REPLY        2
#define SAPI_PAYLOAD             1
#define ATTACH_NAME              1   /* 64 bytes */
#define ATTACH_OPTIONS          65   /* u64[18] */
#define APP_OPT_FLAGS            0
#define APP_OPT_EVT_QUEUE_SIZE   1
#define APP_OPT_SEGMENT_SIZE     2
#define APP_OPT_ADD_SEGMENT_SIZE 3
#define APP_OPT_RX_FIFO_SIZE     5
#define APP_OPT_TX_FIFO_SIZE     6
/* ADD_DEL_CERT_KEY (app_sapi_cert_key_add_del_msg_t, packed, after the type
 * byte); the cert and key follow as a second datagram of CERT_CERTKEY_LEN
 * bytes, which VPP reads at once (it does not wait for it) */
#define SAPI_CERT_KEY            6
#define SAPI_CERT_KEY_REPLY      7
#define CERT_CONTEXT             1   /* u32, echoed */
#define CERT_INDEX               5   /* u32: the pair to delete */
#define CERT_CERT_LEN            9   /* u16 */
#define CERT_CERTKEY_LEN        11   /* u16: cert + key */
#define CERT_IS_ADD             13   /* u8 */
#define CERT_MAX_PART        10000   /* VPP's bounds (sapi_add_del_cert_key_handler) */
#define CERT_MAX_TOTAL       20000
#define CERT_REPLY_CONTEXT       1   /* u32 */
#define CERT_REPLY_RETVAL        5   /* i32 */
#define CERT_REPLY_INDEX         9   /* u32: the new pair (>= 1) */
#define REPLY_RETVAL             1   /* i32 */
#define REPLY_APP_INDEX          5   /* u32 */
#define REPLY_APP_MQ             9   /* u64 */
#define REPLY_VPP_CTRL_MQ       17   /* u64 */
#define REPLY_SEGMENT_HANDLE    25   /* u64 */
#define REPLY_CLIENT_HANDLE     33   /* u32 */
#define REPLY_CTRL_MQ_THREAD    37   /* u8 */
#define REPLY_N_FDS             38   /* u8 */
#define REPLY_FD_FLAGS          39   /* u8 */

/* session event types */
#define EVT_IO_RX                0
#define EVT_IO_TX                1
#define EVT_IO_TX_MAIN           4   /* TX of a connectionless session (looked up on VPP's main thread) */
#define PROTO_UDP                1   /* transport_proto_t: LISTEN_PROTO / CONNECT proto */
#define PROTO_TLS                3
/* session_dgram_hdr_t, packed: every datagram in a UDP fifo starts with it */
#define DGRAM_LEN                0   /* u32 payload bytes */
#define DGRAM_OFFSET             4   /* u32, 0 from and for apps */
#define DGRAM_RMT_IP             8   /* ip46 */
#define DGRAM_LCL_IP            24   /* ip46: VPP sends from it verbatim */
#define DGRAM_RMT_PORT          40   /* u16, network order */
#define DGRAM_LCL_PORT          42   /* u16, network order */
#define DGRAM_IS_IP4            44   /* u8 */
#define DGRAM_GSO_SIZE          45   /* u16 */
#define DGRAM_HDR_SIZE          47
#define DGRAM_MAX            65507   /* largest UDP payload over IPv4 */
#define EVT_RESET                8
#define EVT_BOUND                9
#define EVT_UNLISTEN_REPLY      10
#define EVT_ACCEPTED            11
#define EVT_ACCEPTED_REPLY      12
#define EVT_CONNECTED           13
#define EVT_DISCONNECTED        14
#define EVT_DISCONNECTED_REPLY  15
#define EVT_RESET_REPLY         16
#define EVT_SHUTDOWN            20
#define EVT_DISCONNECT          21
#define EVT_CONNECT             22
#define EVT_LISTEN              24
#define EVT_UNLISTEN            26
#define EVT_APP_ADD_SEGMENT     28
#define EVT_APP_DEL_SEGMENT     29
#define EVT_CLEANUP             31
#define EVT_TERMINATE           38
#define EVT_TRANSPORT_ATTR      33
#define EVT_TRANSPORT_ATTR_REPLY 34

/* The extended config a TLS LISTEN/CONNECT names by offset (ext_config): a
 * transport_endpt_ext_cfg_t at the data of a chunk of the VPP mq segment's
 * slice 0, holding a transport_endpt_crypto_cfg_t (transport_types.h) */
#define EXT_TYPE                 0   /* u16: 1 = crypto */
#define EXT_LEN                  2   /* u16: payload bytes after this 4-byte header */
#define EXT_TYPE_CRYPTO          1
#define EXT_CKPAIR               4   /* u32 ckpair_index (0: none) */
#define EXT_CA_TRUST             8   /* u32: 0, VPP's CA file */
#define EXT_TLS_PROFILE         12   /* u32: ~0, defaults */
#define EXT_OWNER_WRK           16   /* u32: ~0, the app worker that sends it */
#define EXT_ALPN                20   /* u8[4]: tls_alpn_proto_t ids, 0-terminated */
#define EXT_CRYPTO_ENGINE       24   /* u8: 0, the app's (openssl) */
#define EXT_VERIFY              28   /* u32 tls_verify_cfg_t */
#define TLS_VERIFY_PEER       0x02
#define TLS_VERIFY_HOSTNAME   0x08
#define EXT_HOSTNAME            32   /* u8[256], NUL-terminated: SNI and the name checked */
#define EXT_CRYPTO_LEN         284
#define EXT_SIZE               288

/* TRANSPORT_ATTR (session_transport_attr_msg_t) and its reply, packed; the
 * attribute is a transport_endpt_attr_t: a u8 type, its value at 8 */
#define ATTR_CLIENT_INDEX        0   /* u32 */
#define ATTR_HANDLE              4   /* u64 */
#define ATTR_TYPE               12   /* u8 */
#define ATTR_VALUE              20   /* the union */
#define ATTR_IS_GET             52   /* u8 */
#define ATTR_SIZE               53
#define ATTR_REPLY_RETVAL        0   /* i32 */
#define ATTR_REPLY_HANDLE        4   /* u64 */
#define ATTR_REPLY_TYPE         12
#define ATTR_REPLY_VALUE        20
#define ATTR_TLS_ALPN            6   /* value: u8, a tls_alpn_proto_t */

/* Control messages to VPP (application_interface.h, all packed; offsets
 * inside the message, i.e. element + EVT_MSG_OFF). encode.c fills them; the
 * fields it leaves zero are named too, so each layout reads complete. */
#define VPP_CTRL_MSG_MAX_SIZE   86   /* SESSION_CTRL_MSG_MAX_SIZE: VPP asserts listen/connect fit */
#define LISTEN_CLIENT_INDEX      0   /* u32 */
#define LISTEN_CONTEXT           4   /* u32: our sid, echoed in BOUND */
#define LISTEN_WRK_INDEX         8   /* u32 */
#define LISTEN_VRF              12   /* u32 */
#define LISTEN_PORT             16   /* u16, network order */
#define LISTEN_PROTO            18   /* u8: 0 = TCP */
#define LISTEN_IS_IP4           19   /* u8 */
#define LISTEN_IP               20   /* ip46_address_t, 16 bytes */
#define LISTEN_FLAGS            36   /* u8 */
#define LISTEN_EXT_CONFIG       37   /* uword */
#define LISTEN_DSCP             45   /* u8 */
#define LISTEN_SIZE             46
#define UNLISTEN_CLIENT_INDEX    0   /* u32 */
#define UNLISTEN_CONTEXT         4   /* u32: our sid, echoed in UNLISTEN_REPLY */
#define UNLISTEN_WRK_INDEX       8   /* u32 */
#define UNLISTEN_HANDLE         12   /* u64 */
#define UNLISTEN_SIZE           20
#define CONNECT_CLIENT_INDEX     0   /* u32 */
#define CONNECT_CONTEXT          4   /* u32: our sid, echoed in CONNECTED */
#define CONNECT_WRK_INDEX        8   /* u32 */
#define CONNECT_VRF             12   /* u32 */
#define CONNECT_PORT            16   /* u16, network order */
#define CONNECT_LCL_PORT        18   /* u16 */
#define CONNECT_PROTO           20   /* u8: 0 = TCP */
#define CONNECT_IS_IP4          21   /* u8 */
#define CONNECT_IP              22   /* ip46_address_t, 16 bytes */
#define CONNECT_LCL_IP          38   /* ip46_address_t, 16 bytes */
#define CONNECT_PARENT_HANDLE   54   /* u64 */
#define CONNECT_CKPAIR_INDEX    62   /* u32 */
#define CONNECT_CRYPTO_ENGINE   66   /* u8 */
#define CONNECT_FLAGS           67   /* u8 */
#define CONNECT_DSCP            68   /* u8 */
#define CONNECT_EXT_CONFIG      69   /* uword */
#define CONNECT_SIZE            77
/* The close family shares one 16-byte layout, both ways: SHUTDOWN,
 * DISCONNECT, TERMINATE (to VPP) and DISCONNECTED, RESET (from VPP) are
 * {u32 client_index, u32 context, u64 handle}; the replies to VPP,
 * DISCONNECTED_REPLY and RESET_REPLY, are {u32 context, i32 retval, u64 handle}. */
#define CLOSE_CLIENT_INDEX       0   /* u32 */
#define CLOSE_CONTEXT            4   /* u32 */
#define CLOSE_REPLY_CONTEXT      0   /* u32 */
#define CLOSE_REPLY_RETVAL       4   /* i32 */
#define CLOSE_HANDLE             8   /* u64 */
#define CLOSE_SIZE              16
#define ACCEPTED_REPLY_CONTEXT   0   /* u32: ACCEPTED.context, echoed */
#define ACCEPTED_REPLY_RETVAL    4   /* i32: 0 takes the session, else VPP closes it */
#define ACCEPTED_REPLY_HANDLE    8   /* u64 */
#define ACCEPTED_REPLY_APP_SESSION_INDEX 16   /* u32: our sid, echoed in IO events */
#define ACCEPTED_REPLY_SIZE     20

/* Control messages from VPP (offsets inside the message) */
#define BOUND_CONTEXT            0
#define BOUND_HANDLE             4
#define BOUND_RETVAL            20
#define BOUND_LCL_PORT          41
#define BOUND_CL_SH_HANDLE      12   /* u64: connectionless (UDP) session; its low half names it in TX_MAIN */
#define BOUND_RX_FIFO           43   /* u64: UDP: fifo offsets in BOUND_SEGMENT */
#define BOUND_TX_FIFO           51
#define BOUND_VPP_EVT_Q         59   /* u64: the queue for its IO events */
#define BOUND_SEGMENT           67   /* u64 */
#define BOUND_SIZE              79
#define UNLISTEN_REPLY_CONTEXT   0
#define UNLISTEN_REPLY_HANDLE    4
#define UNLISTEN_REPLY_RETVAL   12
#define UNLISTEN_REPLY_SIZE     16
#define ACC_CONTEXT              0
#define ACC_LISTENER             4
#define ACC_HANDLE              12
#define ACC_RX_FIFO             20
#define ACC_TX_FIFO             28
#define ACC_SEGMENT             36
#define ACC_VPP_MQ              44
#define ACC_LCL                 56
#define ACC_RMT                 84
#define ACC_SIZE               120
#define CONN_CONTEXT             0
#define CONN_RETVAL              4
#define CONN_HANDLE              8
#define CONN_RX_FIFO            16
#define CONN_TX_FIFO            24
#define CONN_SEGMENT            32
#define CONN_CT_RX_FIFO         40
#define CONN_CT_TX_FIFO         48
#define CONN_CT_SEGMENT         56
#define CONN_VPP_MQ             64
#define CONN_LCL                72
#define CONN_SIZE              104
#define TEP_IP                   0   /* transport_endpoint_t */
#define TEP_PORT                16
#define TEP_IS_IP4              18
#define TEP_SIZE                28   /* not packed: sw_if_index, fib_index follow at 20, 24 */
#define CLEANUP_HANDLE           0
#define CLEANUP_TYPE             8
#define CLEANUP_SIZE             9
#define CLEANUP_SESSION          1
#define ADDSEG_FD_FLAGS          8   /* u8 */
#define ADDSEG_SEG_SIZE         12   /* u32 segment_size */
#define ADDSEG_NAME             16   /* 128 bytes */
#define ADDSEG_HANDLE          144   /* u64 */
#define ADDSEG_SIZE            152   /* not packed */
#define DELSEG_HANDLE            8
#define DELSEG_SIZE             16

/* ---- what the numbers above must agree on ---- */
#define LAYOUT_FITS(field, width, size) _Static_assert((field) + (width) <= (size), #field " overruns " #size)
#define LAYOUT_ALIGNED(off, a) _Static_assert((off) % (a) == 0, #off " not " #a "-aligned")

/* segment and fifo segment headers */
LAYOUT_FITS(SSVM_FSH_OFF, 8, SSVM_HDR_SIZE);
LAYOUT_FITS(FSH_START_BYTE_INDEX, 8, FSH_SLICES);
LAYOUT_FITS(SLICE_FREE_CHUNKS, 8 * FS_CHUNK_CLASSES, SLICE_N_FL_CHUNK_BYTES);
LAYOUT_FITS(SLICE_N_FL_CHUNK_BYTES, 8, FSH_SLICE_SIZE);
LAYOUT_ALIGNED(FSH_N_CACHED_BYTES, 8);   /* the 64-bit atomics */
LAYOUT_ALIGNED(FSH_BYTE_INDEX, 8);
LAYOUT_ALIGNED(FSH_SLICES, 8);
LAYOUT_ALIGNED(FSH_SLICE_SIZE, 8);
LAYOUT_ALIGNED(SLICE_N_FL_CHUNK_BYTES, 8);
_Static_assert(FSH_MAX_BYTE_INDEX == FSH_BYTE_INDEX + 8, "fl_carve reads byte_index and max_byte_index as one 16-byte span");
_Static_assert((FL_OFF_MASK & FL_TAG_MASK) == 0 && (FL_OFF_MASK | FL_TAG_MASK) == ~0ull, "freelist head: offset and tag split the u64");
_Static_assert((FL_TAG_INC & FL_TAG_MASK) == FL_TAG_INC && (FL_TAG_INC & (FL_TAG_INC - 1)) == 0, "freelist tag step: the tag's lowest bit");
_Static_assert((1u << FS_MIN_CHUNK_LOG2) == 4096, "chunk classes are 4 KiB << class");

/* message queues */
LAYOUT_FITS(MQ_ELSIZE, 4, MQ_SLOTS);
LAYOUT_ALIGNED(MQ_HEAD, 4);
LAYOUT_ALIGNED(MQ_TAIL, 4);
LAYOUT_ALIGNED(MQ_CURSIZE, 4);
LAYOUT_ALIGNED(MQ_SLOTS, 8);
LAYOUT_FITS(RING_ELSIZE, 4, RING_HDR_SIZE);
LAYOUT_ALIGNED(RING_CURSIZE, 4);
LAYOUT_ALIGNED(RING_HDR_SIZE, 4);
LAYOUT_FITS(EVT_MSG_OFF, 4, IO_EVT_SIZE);   /* an IO event's session index */

/* fifos and chunks */
LAYOUT_FITS(FIFO_DEQ_THRESH, 4, FIFO_HEAD_CHUNK);   /* the shared line ends where the consumer's starts */
LAYOUT_FITS(FIFO_HEAD, 4, FIFO_TAIL_CHUNK);         /* consumer line, then the producer's */
LAYOUT_FITS(FIFO_TAIL, 4, FIFO_SHR_SIZE);
_Static_assert(FIFO_HEAD_CHUNK % 64 == 0 && FIFO_TAIL_CHUNK % 64 == 0 && FIFO_SHR_SIZE % 64 == 0, "fifo header: cache lines");
LAYOUT_ALIGNED(FIFO_HEAD_CHUNK, 8);
LAYOUT_ALIGNED(FIFO_TAIL_CHUNK, 8);
LAYOUT_ALIGNED(FIFO_HAS_EVENT, 4);
LAYOUT_ALIGNED(FIFO_WANT_DEQ_NTF, 4);
LAYOUT_ALIGNED(FIFO_HEAD, 4);
LAYOUT_ALIGNED(FIFO_TAIL, 4);
/* our EOF mark: after the producer's last field, inside its cache line */
_Static_assert(FIFO_VN_EOF >= FIFO_TAIL + 4 && FIFO_VN_EOF + 4 <= FIFO_TAIL_CHUNK + 64, "FIFO_VN_EOF outside the producer line's padding");
LAYOUT_FITS(FIFO_VN_EOF, 4, FIFO_SHR_SIZE);
LAYOUT_ALIGNED(FIFO_VN_EOF, 4);
LAYOUT_FITS(CHUNK_DEQ_RB, 4, CHUNK_HDR_SIZE);
LAYOUT_ALIGNED(CHUNK_NEXT, 8);
LAYOUT_ALIGNED(CHUNK_HDR_SIZE, 8);   /* chunk data follows the header; chunks are 8-aligned */

/* app socket messages */
LAYOUT_FITS(ATTACH_NAME, 64, ATTACH_OPTIONS);
_Static_assert(ATTACH_OPTIONS + 18 * 8 == VN_SAPI_MSG_SIZE, "ATTACH: 18 u64 options end the message");
_Static_assert(APP_OPT_TX_FIFO_SIZE < 18, "app option index");
LAYOUT_FITS(REPLY_FD_FLAGS, 1, VN_SAPI_MSG_SIZE);
_Static_assert(VN_SAPI_MSG_SIZE <= VN_SCRATCH_SIZE, "socket messages go through the scratch buffer");

/* control messages to VPP: each field inside its message, each message inside VPP's bound */
LAYOUT_FITS(LISTEN_DSCP, 1, LISTEN_SIZE);
LAYOUT_FITS(LISTEN_EXT_CONFIG, 8, LISTEN_SIZE);
LAYOUT_FITS(LISTEN_IP, 16, LISTEN_SIZE);
LAYOUT_FITS(LISTEN_PORT, 2, LISTEN_IS_IP4);
LAYOUT_FITS(UNLISTEN_HANDLE, 8, UNLISTEN_SIZE);
LAYOUT_FITS(CONNECT_EXT_CONFIG, 8, CONNECT_SIZE);
LAYOUT_FITS(CONNECT_IP, 16, CONNECT_LCL_IP);
LAYOUT_FITS(CONNECT_LCL_IP, 16, CONNECT_PARENT_HANDLE);
LAYOUT_FITS(CONNECT_PORT, 2, CONNECT_LCL_PORT);
LAYOUT_FITS(CLOSE_HANDLE, 8, CLOSE_SIZE);
_Static_assert(CLOSE_REPLY_CONTEXT == CLOSE_CLIENT_INDEX && CLOSE_REPLY_RETVAL == CLOSE_CONTEXT,
               "requests and replies of the close family: one layout, field names aside");
LAYOUT_FITS(ACCEPTED_REPLY_APP_SESSION_INDEX, 4, ACCEPTED_REPLY_SIZE);
LAYOUT_FITS(ACCEPTED_REPLY_HANDLE, 8, ACCEPTED_REPLY_APP_SESSION_INDEX);
LAYOUT_FITS(LISTEN_SIZE, 0, VPP_CTRL_MSG_MAX_SIZE);
LAYOUT_FITS(UNLISTEN_SIZE, 0, VPP_CTRL_MSG_MAX_SIZE);
LAYOUT_FITS(CONNECT_SIZE, 0, VPP_CTRL_MSG_MAX_SIZE);
LAYOUT_FITS(CLOSE_SIZE, 0, VPP_CTRL_MSG_MAX_SIZE);
LAYOUT_FITS(ACCEPTED_REPLY_SIZE, 0, VPP_CTRL_MSG_MAX_SIZE);
LAYOUT_FITS(ATTR_IS_GET, 1, ATTR_SIZE);
LAYOUT_FITS(ATTR_SIZE, 0, VPP_CTRL_MSG_MAX_SIZE);

/* control messages from VPP: each field inside its message */
LAYOUT_FITS(BOUND_RETVAL, 4, BOUND_SIZE);
LAYOUT_FITS(BOUND_LCL_PORT, 2, BOUND_SIZE);
LAYOUT_FITS(UNLISTEN_REPLY_RETVAL, 4, UNLISTEN_REPLY_SIZE);
LAYOUT_FITS(TEP_IS_IP4, 1, TEP_SIZE);
LAYOUT_FITS(TEP_IP, 16, TEP_PORT);
LAYOUT_FITS(ACC_VPP_MQ, 8, ACC_LCL);
LAYOUT_FITS(ACC_LCL, TEP_SIZE, ACC_RMT);
LAYOUT_FITS(ACC_RMT, TEP_SIZE, ACC_SIZE);
LAYOUT_FITS(CONN_VPP_MQ, 8, CONN_LCL);
LAYOUT_FITS(CONN_LCL, TEP_SIZE, CONN_SIZE);
LAYOUT_FITS(CLEANUP_TYPE, 1, CLEANUP_SIZE);
LAYOUT_FITS(ADDSEG_SEG_SIZE, 4, ADDSEG_NAME);
LAYOUT_FITS(ADDSEG_NAME, 128, ADDSEG_HANDLE);
LAYOUT_FITS(ADDSEG_HANDLE, 8, ADDSEG_SIZE);

/* app socket and ext config */
LAYOUT_FITS(CERT_IS_ADD, 1, VN_SAPI_MSG_SIZE);
LAYOUT_FITS(CERT_REPLY_INDEX, 4, VN_SAPI_MSG_SIZE);
LAYOUT_FITS(EXT_HOSTNAME, 256, EXT_SIZE);
_Static_assert(EXT_SIZE == EXT_CRYPTO_LEN + 4, "ext config: 4-byte header, then the crypto config");
_Static_assert(VN_TLS_HOSTNAME >= 32 && VN_TLS_HOSTNAME + VN_TLS_HOSTNAME_MAX + 1 <= VN_SCRATCH_SIZE, "hostname after both ips");
_Static_assert(VN_TLS_HOSTNAME_MAX + 1 == 256, "hostname[256]");
LAYOUT_FITS(DELSEG_HANDLE, 8, DELSEG_SIZE);

/* a control ring element holds the type header and any message, either way */
LAYOUT_FITS(EVT_MSG_OFF, BOUND_SIZE, CTRL_EVT_SIZE);
LAYOUT_FITS(EVT_MSG_OFF, ACC_SIZE, CTRL_EVT_SIZE);
LAYOUT_FITS(EVT_MSG_OFF, CONN_SIZE, CTRL_EVT_SIZE);
LAYOUT_FITS(EVT_MSG_OFF, ADDSEG_SIZE, CTRL_EVT_SIZE);   /* the largest */
LAYOUT_FITS(EVT_MSG_OFF, CONNECT_SIZE, CTRL_EVT_SIZE);
LAYOUT_FITS(EVT_MSG_OFF, VPP_CTRL_MSG_MAX_SIZE, CTRL_EVT_SIZE);

#undef LAYOUT_FITS
#undef LAYOUT_ALIGNED

#endif
