// Swagger UI over the server's own OpenAPI document (this page is
// /api-docs/index.html; the document is /api/openapi.json).
window.addEventListener("load", () => {
  window.ui = window.SwaggerUIBundle({
    url: "../api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The default validator badge would load an image from swagger.io.
    validatorUrl: null,
  });
});
