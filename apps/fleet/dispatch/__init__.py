"""Dispatch: which courier a new order goes to (pure Python, no Django).

:mod:`insertion` is the cheapest-insertion evaluator behind auto-assign;
:mod:`policies` holds nearest, balanced and the grab pool's radius.
"""
