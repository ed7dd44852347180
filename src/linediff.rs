//! A line diff, for showing a change (`setup --dry-run`) and for the
//! transcript tests' mismatch reports.

/// A line diff of `a` against `b` (longest common subsequence): `' '` in
/// both, `'-'` only in `a`, `'+'` only in `b`, in order. Quadratic: for
/// short texts.
pub fn diff_lines<'t>(a: &[&'t str], b: &[&'t str]) -> Vec<(char, &'t str)> {
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut rows = Vec::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            rows.push((' ', a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            rows.push(('-', a[i]));
            i += 1;
        } else {
            rows.push(('+', b[j]));
            j += 1;
        }
    }
    rows
}
