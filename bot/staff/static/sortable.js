// Sort a table (class "sortable") by the column whose title button was chosen.
// Each cell carries its value in data-sort: a number, or "" for text and for
// hidden counts ("<5", "x"), which stay after the numbers in either order.
// Without JavaScript the table keeps the server's order (hardest first).
(function () {
  "use strict";

  function compare(a, b, numeric) {
    if (numeric) {
      if (a === "" && b === "") return 0;
      if (a === "") return 1;
      if (b === "") return -1;
      return parseFloat(a) - parseFloat(b);
    }
    return a.localeCompare(b, document.documentElement.lang || undefined, { numeric: true });
  }

  function sortBy(table, button) {
    var column = Number(button.dataset.column);
    var header = button.closest("th");
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var numeric = rows.some(function (row) {
      return row.cells[column] && row.cells[column].dataset.sort !== "";
    });
    rows.sort(function (left, right) {
      var a = numeric ? left.cells[column].dataset.sort : left.cells[column].textContent.trim();
      var b = numeric ? right.cells[column].dataset.sort : right.cells[column].textContent.trim();
      var order = compare(a, b, numeric);
      if (numeric && (a === "" || b === "")) return order; // hidden counts last either way
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("thead th").forEach(function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead button.sort").forEach(function (button) {
      button.addEventListener("click", function () { sortBy(table, button); });
    });
  });
})();
