# vppnet_host: the syscalls the glue needs (app socket, fds, mappings, eventfd
# polling) plus the session-layer core (../wasm/src/*.c) compiled natively.
# Build: node scripts/build-addon.js (node-gyp rebuild --directory host --nodedir=/usr).
# Command expansions run with this file's directory as cwd.
{
  'targets': [
    {
      'target_name': 'vppnet_host',
      'sources': [
        "<!@(node -p \"require('fs').readdirSync('src').filter(f=>f.endsWith('.cc')).map(f=>'src/'+f).join(' ')\")",
        "<!@(node -p \"require('fs').readdirSync('../wasm/src').filter(f=>f.endsWith('.c')).map(f=>'../wasm/src/'+f).join(' ')\")",
      ],
      # node-addon-api by include path, with C++ exceptions (as its except.gypi;
      # depending on its .gyp would make gyp write Makefiles into host/node_modules).
      'include_dirs': [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        '../wasm/include', '../wasm/src',
      ],
      'defines': [ 'NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS' ],
      'cflags': [
        '-Wall', '-Wextra', '-fstack-protector-strong',
        '-U_FORTIFY_SOURCE', '-D_FORTIFY_SOURCE=2',
      ],
      'cflags_c': [ '-std=c11' ],
      'cflags_cc': [ '-std=c++17' ],
      'cflags!': [ '-fno-exceptions' ],
      'cflags_cc!': [ '-std=gnu++17', '-fno-exceptions' ],
      'configurations': {
        # _FORTIFY_SOURCE needs optimisation; node's common.gypi gives Release -O3.
        'Release': { 'cflags!': [ '-O3' ], 'cflags': [ '-O2' ] },
        'Debug': { 'cflags!': [ '-O0' ], 'cflags': [ '-O1', '-g' ] },
      },
    },
  ],
}
