"""Behaviour: react to the views' signals, drive the workers, keep the queue model current.

`main_controller` builds the window and every controller below and wires them together.

The work, knowing no widgets: `queue_controller` (what is queued), `batch_controller`
(cleaning in a worker thread), `model_controller` (loading a model), `compare_controller`
(before/after previews).

The window's behaviour, one concern each: `input_controller` (opening and dropping scans),
`queue_edit_controller` (remove, undo, reorder, row menu), `output_controller` (output
options and settings), `cleaning_controller` (Clean and the batch's progress),
`preview_controller` (the comparison of the current page), `model_choice_controller` (which
model), `actions_controller` (what is enabled), `dialog_controller` (message boxes, About),
`quit_controller` (closing during a batch, saving on close).
"""
