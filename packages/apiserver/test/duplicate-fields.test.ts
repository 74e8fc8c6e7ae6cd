/** Duplicate-field detection in JSON bodies. */
import { describe, expect, it } from 'vitest';
import { duplicateFields } from '../src/http/duplicate-fields.js';

describe('duplicateFields', () => {
  it('finds repeated keys per object, not across objects or in strings', () => {
    expect(duplicateFields('{"a":1,"b":{"a":2,"c":"{\\"a\\":1,\\"a\\":2}"},"a":3}')).toEqual(['a']);
    expect(duplicateFields('{"items":[{"name":"x"},{"name":"y"}],"name":"z"}')).toEqual([]);
    expect(duplicateFields('{"spec":{"replicas":1,"replicas":2,"template":{"x":[1,2,{"q":1,"q":2}]}}}')).toEqual(['replicas', 'q']);
    expect(duplicateFields('{"a\\u0062":1,"ab":2}')).toEqual(['ab']);
  });
});
