import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'

// One production file, `dist/t.js`: an IIFE with no runtime dependencies. Its gzipped size (at most
// 1,024 bytes) is checked by test/tracker/size.test.ts, so every option below is here for bytes.
export default {
  input: 'src/index.ts',
  output: {
    file: 'dist/t.js',
    format: 'iife',
    // The sources are TypeScript modules, strict already; the directive would only cost bytes.
    strict: false,
    plugins: [
      terser({
        ecma: 2020,
        // Arrow functions everywhere: none of the tracker's functions uses `this`.
        compress: { unsafe_arrows: true },
        format: { comments: false },
      }),
    ],
  },
  plugins: [typescript({ tsconfig: './tsconfig.json' })],
}
