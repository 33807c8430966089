// ESLint's flat config: the recommended rules over the staff pages' scripts (make eslint).
// They are plain browser scripts (no modules, no build step), written for ES2017.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  {
    files: ["calls/static/calls/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2017,
      sourceType: "script",
      globals: globals.browser,
    },
    rules: {
      ...js.configs.recommended.rules,
      // ES2017 has no `catch {}` without a binding: an ignored error still needs a name.
      "no-unused-vars": ["error", { caughtErrors: "none" }],
    },
  },
  { ignores: ["node_modules/", "staticfiles/", ".venv/", "media/"] },
];
