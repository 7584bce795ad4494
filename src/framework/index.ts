/**
 * The toolkit every backend is written with: declare paths (pattern, typed
 * fields, operations, existence check, help) with `definePath`, hand them to
 * a `FrameworkBackend`, and routing, input validation, help and OpenAPI
 * follow from the declarations.
 */
export {
  type BackendSpec,
  FrameworkBackend,
  type LeaseHandler,
  type RouteMatch,
  type SecretTypeSpec,
  unsupportedOperation,
  unsupportedPath,
} from "./backend.js";
export {
  conversionError,
  type DisplayAttributes,
  FieldData,
  type FieldSchema,
  type FieldSchemas,
  type FieldValueOf,
} from "./field-data.js";
export {
  canonicalHeaderName,
  convertField,
  FieldConversionError,
  type FieldType,
  type FieldValueByType,
  fieldTypes,
  formatGoValue,
  isPlainObject,
  zeroValue,
} from "./field-types.js";
export { fieldTypeLabel, pathHelpMarkdown, rootHelpMarkdown } from "./help.js";
export { mergePatch } from "./merge-patch.js";
export {
  asOpenApiDocument,
  documentBackend,
  emptyOpenApiDocument,
  mergeOpenApiDocuments,
  type OpenApiDocument,
  type OpenApiOperation,
  type OpenApiParameter,
  type OpenApiPathItem,
  type OpenApiSchema,
  type OpenApiSource,
  openApiVersion,
  specialPathMatches,
} from "./openapi.js";
export { expandPattern, templateParameters } from "./openapi-paths.js";
export {
  definePath,
  type ExistenceCheck,
  type OperationHandler,
  type OperationSpec,
  Path,
  type PathDisplay,
  type PathOperation,
  type PathSpec,
  pathOperations,
  type ResponseSpec,
} from "./path.js";
export {
  compilePattern,
  genericNameRegex,
  genericNameWithAtRegex,
  matchAllNoTrailingSlashRegex,
  matchAllRegex,
  matchPattern,
  optionalParameter,
} from "./patterns.js";
