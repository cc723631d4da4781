/* no_symbol.c - a shared object that is not a backend: no mcs_backend. */
int no_symbol_here(void);
int no_symbol_here(void)
{
	return 42;
}
