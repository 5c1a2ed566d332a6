/**
 * A form from before a restart: with memory storage the bot forgets its sessions when it stops,
 * but a form token's signed binding (cowork/domain/formToken.ts) still names the Case. Instead of "this
 * form is no longer active" the customer is told what happened and gets the form again; nothing
 * is published from the old card (the value on the Case is the customer's to give again).
 */
import { handoffTexts } from '../../dialogs/texts';

export const LOST_FORM_TEXT = handoffTexts.lostForm;
