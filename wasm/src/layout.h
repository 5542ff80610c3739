/*
 * layout.h — byte offsets and constants of VPP's shared structures and
 * messages (x86_64 layouts of VPP 26.10-rc0, from the protocol description).
 * Shared memory is only ever reached through these offsets, never by
 * overlaying C structs: on wasm32 a C struct with pointers would not match.
 */
#ifndef VN_LAYOUT_H
#define VN_LAYOUT_H

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

/* control message field offsets (inside the message, i.e. element + 2) */
#define LISTEN_SIZE             46
#define BOUND_CONTEXT            0
#define BOUND_HANDLE             4
#define BOUND_RETVAL            20
#define BOUND_LCL_PORT          41
#define BOUND_SIZE              79
#define UNLISTEN_REPLY_CONTEXT   0
#define UNLISTEN_REPLY_RETVAL   12
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
#define CLOSE_HANDLE             8   /* DISCONNECTED / RESET / ... : u64 at 8 */
#define CLEANUP_HANDLE           0
#define CLEANUP_TYPE             8
#define CLEANUP_SESSION          1
#define ADDSEG_FD_FLAGS          8
#define ADDSEG_SIZE             12
#define ADDSEG_HANDLE          144
#define DELSEG_HANDLE            8

#endif
