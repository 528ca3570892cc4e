package dev.secateur.plugins.obs;

/** Dense symmetric positive-definite algebra in doubles, for the d×d Hessians of one layer. */
final class Cholesky {

    private Cholesky() {
    }

    /** L with A = LLᵀ. Fails naming the pivot if A is not positive definite. */
    static double[][] lower(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            double[] li = l[i];
            for (int j = 0; j <= i; j++) {
                double[] lj = l[j];
                double sum = a[i][j];
                for (int k = 0; k < j; k++) {
                    sum -= li[k] * lj[k];
                }
                if (i == j) {
                    if (!(sum > 0)) {
                        throw new IllegalStateException("the Hessian is not positive definite at pivot " + i
                                + " (" + sum + "); raise the option 'damping'");
                    }
                    li[i] = Math.sqrt(sum);
                } else {
                    li[j] = sum / lj[j];
                }
            }
        }
        return l;
    }

    /** A⁻¹ through A = LLᵀ: A⁻¹ = L⁻ᵀL⁻¹. */
    static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] l = lower(a);
        double[][] linv = new double[n][n];
        for (int c = 0; c < n; c++) {
            // forward substitution for column c of L⁻¹ (lower triangular)
            linv[c][c] = 1 / l[c][c];
            for (int i = c + 1; i < n; i++) {
                double sum = 0;
                double[] li = l[i];
                for (int k = c; k < i; k++) {
                    sum -= li[k] * linv[k][c];
                }
                linv[i][c] = sum / li[i];
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = 0;
                for (int k = i; k < n; k++) {
                    sum += linv[k][i] * linv[k][j];
                }
                inv[i][j] = sum;
                inv[j][i] = sum;
            }
        }
        return inv;
    }

    /** U with A = UᵀU (U = Lᵀ). */
    static double[][] upper(double[][] a) {
        double[][] l = lower(a);
        int n = l.length;
        double[][] u = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                u[j][i] = l[i][j];
            }
        }
        return u;
    }
}
